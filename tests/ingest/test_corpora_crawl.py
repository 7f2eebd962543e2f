"""The shared corpora through the whole crawl path: served by a real local server, polled by
crawl_once into a real SQLite store.

tests/parse checks each feedparser file's parse against its Expect line and tests/fetch each
compressed body's decoding; here the same files go through poll -> parse -> store (and
fetch -> extract -> store for pages), and what lands on the source and article rows is checked.
"""

from __future__ import annotations

import tracemalloc
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from ingest.crawl import NOT_A_FEED, crawl_once
from ingest.feeds import parse_feed
from ingest.urls import canonical_url
from store.schema import sources
from tests.fetch.corpus import BOMB_SIZE, BOMBS, GOOD, TRUNCATED, corpus
from tests.ingest.conftest import (
    RSS_HEADERS,
    article_rows,
    known_urls,
    make_config,
    register,
    rss,
    source_rows,
)
from tests.localserver import LocalServer
from tests.parse.test_feed_corpus import NOT_BOZO_ILLFORMED, _meta


def _feed_route(body: bytes, headers: dict[str, str]):  # noqa: ANN202 - a route factory
    """Serve with the file's Header: lines, answering a matching conditional GET with 304."""
    etag, modified = headers.get("etag"), headers.get("last-modified")

    def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if (etag and h.headers.get("If-None-Match") == etag) or (
            modified and h.headers.get("If-Modified-Since") == modified
        ):
            return 304, {}, b""
        return 200, headers, body

    return route


def test_every_feedparser_file_crawled(
    shared_dir: Path, sqlite_engine: Engine, sqlite_url: str, local_server: LocalServer
) -> None:
    root = shared_dir / "corpora" / "feedparser"
    if not root.is_dir():
        pytest.skip(f"feedparser corpus not found at {root}")
    files = sorted(root.rglob("*.xml"))
    assert len(files) > 200
    feeds, served = {}, {}
    for path in files:
        rel = str(path.relative_to(root))
        _, headers, _ = _meta(path)
        url = local_server.add("/" + rel, _feed_route(path.read_bytes(), headers))
        feeds[rel], served[rel] = url, headers
    config = make_config(sqlite_url, feeds, fetch_articles=False)
    register(sqlite_engine, config)

    out = crawl_once(sqlite_engine, config)

    assert out["sources"] == len(files) and out["errors"] == 0
    src = source_rows(sqlite_engine)
    known = known_urls(sqlite_engine)
    expected_links: set[str] = set()
    for path in files:
        rel = str(path.relative_to(root))
        row = src[rel]
        assert (row["last_status"], row["last_error"], row["error_count"]) == (200, None, 0), rel
        # the crawl saw what a direct parse of the same bytes and headers sees
        parsed = parse_feed(path.read_bytes(), served[rel], feeds[rel])
        if parsed.bozo or parsed.version or parsed.entries:
            assert bool(row["bozo"]) == bool(parsed.bozo), (rel, row["bozo"], parsed.bozo)
        else:
            assert row["bozo"] == NOT_A_FEED, rel
        if rel.startswith("illformed/") and rel not in NOT_BOZO_ILLFORMED:
            assert row["bozo"], f"{rel}: ill-formed feed not recorded on the source"
        links = {
            canonical_url(e.link or e.guid)
            for e in parsed.entries
            if (e.link or e.guid or "").startswith(("http://", "https://"))
        }
        assert links <= known, f"{rel}: entries missing from the store: {links - known}"
        expected_links |= links
    arts = article_rows(sqlite_engine)
    assert {a["fetch_status"] for a in arts} == {"done"}
    assert all(a["extraction"] == "feed_summary" for a in arts)
    # one article per canonical URL: never more rows than distinct links
    assert len(arts) <= len(expected_links) and len({a["canonical_url"] for a in arts}) == len(arts)
    assert sum(1 for r in src.values() if r["bozo"]) >= 50  # the ill-formed half is flagged

    # Second pass: feeds that sent an ETag or Last-Modified answer 304, nothing changes.
    conditional = [rel for rel, h in served.items() if h.get("etag") or h.get("last-modified")]
    assert conditional
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(sources).where(sources.c.name.in_(conditional)).values(next_poll_at=None)
        )
    again = crawl_once(sqlite_engine, config)
    assert again == {**again, "sources": len(conditional), "new": 0, "errors": 0}
    src = source_rows(sqlite_engine)
    assert {src[rel]["last_status"] for rel in conditional} == {304}
    assert len(article_rows(sqlite_engine)) == len(arts)


def _serve(srv: LocalServer, shared: Path, name: str, encoding: str, ctype: str) -> str:
    body = (corpus(shared) / name).read_bytes()
    return srv.add(f"/c/{name}", (200, {"Content-Type": ctype, "Content-Encoding": encoding}, body))


def _pages_feed(srv: LocalServer, shared: Path, bodies: dict[str, str]) -> str:
    """A feed listing one page per corpus body, each served with its Content-Encoding."""
    items = []
    for name, enc in bodies.items():
        url = _serve(srv, shared, name, enc, "text/html; charset=utf-8")
        items.append({"link": url, "title": name})
    return srv.add("/pages.xml", (200, RSS_HEADERS, rss(items)))


@pytest.fixture
def compressed(shared_dir: Path) -> Path:
    if not corpus(shared_dir).is_dir():
        pytest.skip(f"compressed corpus not found at {corpus(shared_dir)}")
    return shared_dir


def test_compressed_feed_and_pages_through_the_crawl(
    compressed: Path, sqlite_engine: Engine, sqlite_url: str, local_server: LocalServer
) -> None:
    srv = local_server
    feed_url = _serve(srv, compressed, "feed-sample1.xml.gz", "gzip", "application/rss+xml")
    html = {n: e for n, e in GOOD.items() if n.startswith("html-")}
    config = make_config(
        sqlite_url,
        {"sample": feed_url, "pages": _pages_feed(srv, compressed, {**html, **TRUNCATED})},
    )
    register(sqlite_engine, config)

    out = crawl_once(sqlite_engine, config)

    assert out["errors"] == 0
    src = source_rows(sqlite_engine)
    sample = parse_feed(
        (corpus(compressed) / "feed-sample1.xml").read_bytes(), {"content-type": "text/xml"}
    )
    # a product catalogue, not a feed: decoded and parsed fine, and said to be no feed
    assert not sample.entries and sample.bozo is None
    assert src["sample"]["last_status"] == 200 and src["sample"]["last_error"] is None
    assert src["sample"]["bozo"] == NOT_A_FEED
    known = known_urls(sqlite_engine)
    by_url = {a["url"]: a for a in article_rows(sqlite_engine)}
    # Good bodies decode and extract. The same page under several encodings is one article
    # (same text at two URLs), with every URL kept.
    good_urls = {srv.url(f"/c/{n}") for n in html}
    assert good_urls <= known
    kept = [a for u, a in by_url.items() if u in good_urls]
    assert 1 <= len(kept) <= 2  # two distinct pages in the corpus (deflate variants differ)
    for a in kept:
        assert (a["fetch_status"], a["extraction"]) == ("done", "page")
        assert "Tabellen aus Daniels, Jack" in a["text"] and a["lang"] == "de"
    # Truncated bodies: a clear error on the article, nothing half-stored.
    for name in TRUNCATED:
        a = by_url[srv.url(f"/c/{name}")]
        assert a["fetch_status"] == "error" and a["text"] is None
        assert "gzip stream ended before its end marker" in a["last_error"], name


def test_bombs_through_the_crawl_are_cut_with_bounded_memory(
    compressed: Path, sqlite_engine: Engine, sqlite_url: str, local_server: LocalServer
) -> None:
    cap = 500_000
    config = make_config(
        sqlite_url,
        {"pages": _pages_feed(local_server, compressed, BOMBS)},
        max_body_bytes=cap,
        max_wire_bytes=cap,
    )
    register(sqlite_engine, config)
    tracemalloc.start()
    try:
        out = crawl_once(sqlite_engine, config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out["new"] == len(BOMBS)
    by_url = {a["url"]: a for a in article_rows(sqlite_engine)}
    for name in BOMBS:
        a = by_url[local_server.url(f"/c/{name}")]
        assert a["fetch_status"] == "error" and "cap once decoded" in a["last_error"], name
    # four 11.5 MB bombs decoded concurrently: the whole crawl stays near the caps
    assert peak < 4 * 3 * cap < 4 * BOMB_SIZE, f"peak {peak:,} bytes while crawling the bombs"
