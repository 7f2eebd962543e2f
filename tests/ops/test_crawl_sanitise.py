"""Feed entries and fetched pages follow the import's rules: NUL and lone surrogates removed.

On PostgreSQL one NUL in a feed summary or a page used to abort the whole feed's (or the
page's) transaction; the entries after it were never stored.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine

from ingest.crawl import crawl_once
from tests.ingest.conftest import article_rows, make_config, register
from tests.localserver import LocalServer

TEXT = (
    "The harbour authority approved the new quay after a long public consultation, "
    "and the first container ships are expected to dock there next spring."
)


def _page(title: str, body: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}</p><p>{body}</p></article></body></html>"
    ).encode("utf-8", "surrogatepass")


def test_feed_entries_and_pages_lose_nul_and_surrogates(
    pg_engine: Engine, pg_url: str, local_server: LocalServer, caplog
) -> None:
    s = local_server
    s.add("/robots.txt", (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"))
    # a page whose text holds a NUL (HTML parsers keep it as a character)
    s.add("/news/nul", (200, {"Content-Type": "text/html"}, _page("Quay", TEXT + "\x00 x.")))
    s.add("/news/ok", (200, {"Content-Type": "text/html"}, _page("Quay two", TEXT)))
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Harbour",
        "items": [
            {"id": "1", "url": s.url("/news/nul"), "title": "Quay \ud800 approved"},
            {"id": "2", "url": s.url("/news/ok"), "title": "Ships\x00 dock", "summary": TEXT},
        ],
    }
    body = json.dumps(feed).encode()  # \ud800 and \u0000 stay JSON escapes on the wire
    s.add("/feed.json", (200, {"Content-Type": "application/feed+json"}, body))
    config = make_config(pg_url, {"harbour": s.url("/feed.json")})
    register(pg_engine, config)
    out = crawl_once(pg_engine, config)
    assert out["new"] == 2 and out["errors"] == 0, out
    rows = {r["url"]: r for r in article_rows(pg_engine)}
    assert rows[s.url("/news/nul")]["title"] == "Quay  approved"
    assert rows[s.url("/news/ok")]["title"] == "Ships dock"
    assert rows[s.url("/news/nul")]["fetch_status"] == "done", rows[s.url("/news/nul")]
    assert "\x00" not in rows[s.url("/news/nul")]["text"]
    said = [r for r in caplog.records if "unstorable characters removed" in r.getMessage()]
    assert {getattr(r, "removed", "") for r in said} >= {
        "title: removed 1 lone surrogate(s)",
        "title: removed 1 NUL byte(s)",
        "page: removed 2 NUL byte(s)",  # the body holds it twice
    }
