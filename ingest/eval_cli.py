"""`storyloom eval extraction DIR`: extraction quality measured through the real fetch path.

The benchmark pages (html/<id>.html.gz) are served gzip-encoded by a throwaway HTTP server on
127.0.0.1 and fetched by the crawler's own Fetcher (guard, robots, streaming decoder, caps),
so what is scored is what the daemon would extract. Politeness is set for this one loopback
host (no start delay, enough parallel requests to keep the extraction workers fed): the
number measured is extraction, not a crawl delay.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from core.aio import run_sync
from core.config import Config
from core.settings.crawler import CrawlerSettings
from ingest.eval_extraction import evaluate, load_ground_truth
from ingest.fetch import Fetcher

logger = logging.getLogger(__name__)

_LOOPBACK = "127.0.0.1"
_FETCHES_PER_WORKER = 4  # matches eval_extraction's gate: requests in flight per worker


@contextmanager
def serve_benchmark(html_dir: Path) -> Iterator[str]:
    """Serve html_dir/<id>.html.gz at /<id> with Content-Encoding: gzip; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            page_id = self.path.lstrip("/")
            path = html_dir / f"{page_id}.html.gz"
            if "/" in page_id or not path.is_file():
                body, status, headers = b"not found", 404, {"Content-Type": "text/plain"}
            else:
                body, status = path.read_bytes(), 200
                headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer((_LOOPBACK, 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield f"http://{_LOOPBACK}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def eval_settings(crawler: CrawlerSettings) -> CrawlerSettings:
    """The configured crawler settings, opened for the loopback benchmark server."""
    parallel = max(1, crawler.workers) * _FETCHES_PER_WORKER
    return crawler.model_copy(
        update={
            "allow_hosts": [*crawler.allow_hosts, _LOOPBACK],
            "throttle_start_delay_s": 0.0,
            "throttle_enabled": False,
            "min_delay_s": 0.0,
            "per_host_concurrency": parallel,
            "max_concurrency": max(crawler.max_concurrency, parallel),
        }
    )


async def _run(
    directory: Path, config: Config, progress: bool, ids: list[str] | None
) -> dict[str, Any]:
    settings = eval_settings(config.crawler)
    n_pages = len(ids) if ids else len(load_ground_truth(directory))
    with serve_benchmark(directory / "html") as base, _progress(progress, n_pages) as advance:
        async with Fetcher(settings) as fetcher:

            async def fetch(page_id: str) -> bytes:
                res = await fetcher.fetch(f"{base}/{page_id}", accept="text/html")
                advance()
                if not res.ok:
                    raise RuntimeError(f"{res.error}: {res.detail}")
                return res.body

            return await evaluate(
                directory, fetch, settings=config.crawler, workers=config.crawler.workers, ids=ids
            )


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Any]:
    if not enabled:
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("pages fetched", total=total)
        yield lambda: bar.advance(task)


def run_extraction_eval(
    directory: Path, config: Config, progress: bool = True, ids: list[str] | None = None
) -> dict[str, float]:
    """Token precision/recall/F1 (macro over pages) and pages/s over a benchmark folder."""
    directory = Path(directory)
    if not (directory / "ground-truth.json").is_file() or not (directory / "html").is_dir():
        raise FileNotFoundError(f"{directory} needs ground-truth.json and an html/ folder")
    fetch_log = logging.getLogger("ingest.fetch")
    level = fetch_log.level
    fetch_log.setLevel(logging.WARNING)  # one line per benchmark page would drown the result
    try:
        res = run_sync(_run(directory, config, progress, ids))
    finally:
        fetch_log.setLevel(level)
    if res["failures"]:
        logger.warning("%d of %d pages could not be fetched", res["failures"], res["pages"])
    return {k: res[k] for k in ("precision", "recall", "f1", "pages_per_s")}


__all__ = ["eval_settings", "run_extraction_eval", "serve_benchmark"]
