"""Crawl throughput: 1,000 loopback feeds x 20 entries, then a second pass with nothing changed.

Usage: python bench/bench_crawl.py [--feeds 1000] [--entries 20] [--hosts 50] [--quick]

The feeds are served by a separate process (so the crawler's peak RSS is its own) from
`--hosts` loopback addresses 127.0.0.1..127.0.0.N, so per-host politeness works as it would
across many sites. Each feed sends ETag and Last-Modified and answers a matching conditional
GET with 304. One pass = every feed polled through the real poll_source (guarded Fetcher,
robots.txt, politeness, parse, store into SQLite); entry pages are not fetched
(crawler.fetch_articles = false) so the figure is the feed pass itself.
Prints: wall time of each pass, fetches/s, peak RSS, and the feed bytes the second pass saved.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing as mp
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, update  # noqa: E402

from core.config import Config  # noqa: E402
from ingest.crawl import due_sources, poll_source  # noqa: E402
from ingest.fetch import Fetcher  # noqa: E402
from store.articles import sync_sources  # noqa: E402
from store.db import open_store, utcnow  # noqa: E402
from store.schema import articles, sources  # noqa: E402


def _feed(host: int, feed: int, entries: int) -> bytes:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for j in range(entries):
        when = format_datetime(epoch + timedelta(hours=j), usegmt=True)
        items.append(
            f"<item><title>Host {host} feed {feed} story {j}</title>"
            f"<link>http://127.0.0.{host}/f{feed}/story-{j}.html</link>"
            f"<guid>h{host}-f{feed}-s{j}</guid><pubDate>{when}</pubDate>"
            f"<description>Summary of story {j} from feed {feed} on host {host}: the council "
            "met on Tuesday and agreed the budget for the coming year after a long debate."
            "</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><link>http://127.0.0.{host}/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _serve(hosts: int, per_host: int, entries: int, ready: mp.Queue) -> None:
    """Runs in a child process: one ThreadingHTTPServer per loopback address."""
    modified = format_datetime(datetime(2026, 1, 2, tzinfo=UTC), usegmt=True)
    ports = []
    for h in range(1, hosts + 1):
        bodies = {f"/f{f}.xml": _feed(h, f, entries) for f in range(per_host)}
        etags = {p: '"' + hashlib.sha1(b).hexdigest()[:16] + '"' for p, b in bodies.items()}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            _bodies, _etags = bodies, etags

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                body = self._bodies.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = self._etags[self.path]
                fresh = self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-Modified-Since") == modified
                )
                self.send_response(304 if fresh else 200)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", "0" if fresh else str(len(body)))
                self.end_headers()
                if not fresh:
                    self.wfile.write(body)

        srv = ThreadingHTTPServer((f"127.0.0.{h}", 0), Handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        ports.append(srv.server_address[1])
    ready.put(ports)
    threading.Event().wait()


async def _pass(engine, config: Config) -> dict[str, float]:  # noqa: ANN001
    due = due_sources(engine, utcnow())
    t0 = time.perf_counter()
    async with Fetcher(config.crawler) as fetcher:
        results = await asyncio.gather(*(poll_source(engine, config, fetcher, s) for s in due))
        counters = dict(fetcher.counters)
    wall = time.perf_counter() - t0
    return {
        "feeds": len(due),
        "wall_s": wall,
        "fetches": counters.get("fetches_total", 0),
        "fetches_per_s": counters.get("fetches_total", 0) / wall,
        "wire_bytes": counters.get("fetch_bytes_wire", 0),
        "not_modified": counters.get("fetch_not_modified", 0),
        "errors": sum(1 for r in results if r.get("error")),
        "new": sum(r.get("new", 0) for r in results),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--entries", type=int, default=20)
    ap.add_argument("--hosts", type=int, default=50, help="loopback addresses serving the feeds")
    ap.add_argument("--quick", action="store_true", help="100 feeds on 10 hosts")
    args = ap.parse_args()
    if args.quick:
        args.feeds, args.hosts = 100, 10
    per_host = max(1, args.feeds // args.hosts)
    hosts = args.feeds // per_host

    ready: mp.Queue = mp.get_context("spawn").Queue()
    server = mp.get_context("spawn").Process(
        target=_serve, args=(hosts, per_host, args.entries, ready), daemon=True
    )
    server.start()
    ports = ready.get(timeout=120)

    with tempfile.TemporaryDirectory() as tmp:
        config = Config.model_validate(
            {
                "storage": {"url": f"sqlite:///{tmp}/bench.db"},
                "sources": [
                    {"name": f"h{h}-f{f}", "url": f"http://127.0.0.{h}:{ports[h - 1]}/f{f}.xml"}
                    for h in range(1, hosts + 1)
                    for f in range(per_host)
                ],
                "crawler": {"allow_hosts": ["127.0.0.0/8"], "fetch_articles": False},
            }
        )
        engine = open_store(config.storage.url)
        with engine.begin() as conn:
            sync_sources(conn, config.sources)
        first = asyncio.run(_pass(engine, config))
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(articles)).scalar_one()
        with engine.begin() as conn:  # nothing changed; make every feed due again
            conn.execute(update(sources).values(next_poll_at=None))
        second = asyncio.run(_pass(engine, config))
        engine.dispose()
    server.kill()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    saved = 1 - second["wire_bytes"] / first["wire_bytes"] if first["wire_bytes"] else 0.0
    print(f"feeds: {len(config.sources)} on {hosts} loopback hosts x {args.entries} entries")
    for name, p in (("pass 1", first), ("pass 2 (unchanged)", second)):
        print(
            f"{name}: wall {p['wall_s']:.2f} s, {p['fetches']:.0f} fetches "
            f"({p['fetches_per_s']:.0f}/s incl. robots.txt), feed bytes {p['wire_bytes']:,.0f}, "
            f"304s {p['not_modified']:.0f}, new entries {p['new']}, errors {p['errors']}"
        )
    print(f"articles stored: {stored}")
    print(f"second pass saved {saved:.1%} of feed bytes by conditional GET (target >= 90%)")
    print(f"peak RSS of the crawler process: {rss_mb:.0f} MiB")
    if saved < 0.9 or stored != len(config.sources) * args.entries:
        sys.exit(1)


if __name__ == "__main__":
    main()
