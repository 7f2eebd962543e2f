"""Every way a feed or a page can go wrong, crawled for real: each leaves its own clear outcome
on the source or the article row, where `storyloom sources` and the UI show it.

tests/fetch checks what the Fetcher returns; these check what the crawl records from it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from ingest.crawl import crawl_once
from store.db import aware, utcnow
from store.schema import sources
from tests.ingest.conftest import (
    RSS_HEADERS,
    article_html,
    article_rows,
    make_config,
    register,
    rss,
    source_rows,
)
from tests.localserver import LocalServer

TEXT = (
    "The harbour authority approved the new quay after a long public consultation, "
    "and the first container ships are expected to dock there next spring."
)


def _slow(seconds: float):  # noqa: ANN202 - a route factory
    def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(seconds)
        return 200, RSS_HEADERS, rss([])

    return route


@pytest.fixture
def site(local_server: LocalServer) -> LocalServer:
    s = local_server
    good_page = article_html("Quay approved", TEXT)
    s.add(
        "/robots.txt",
        (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
    )
    # feeds that fail
    s.add("/feeds/slow.xml", _slow(3.0))
    s.add("/feeds/loop-a.xml", (302, {"Location": "/feeds/loop-b.xml"}, b""))
    s.add("/feeds/loop-b.xml", (302, {"Location": "/feeds/loop-a.xml"}, b""))
    s.add("/feeds/to-private.xml", (302, {"Location": "http://10.0.0.1/feed.xml"}, b""))
    s.add("/feeds/gone.xml", (410, {}, b"gone"))
    s.add("/feeds/busy.xml", (429, {"Retry-After": "7200"}, b"slow down"))
    s.add("/private/feed.xml", (200, RSS_HEADERS, rss([])))
    s.add("/feeds/html.xml", (200, {"Content-Type": "text/html"}, good_page))
    # a good feed whose entries point at pages that fail in every way
    pages = {
        "ok": (200, {"Content-Type": "text/html; charset=utf-8"}, good_page),
        "missing": None,  # 404 from the server
        "pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 binary stuff" * 50),
        "png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\0" * 500),
        "json": (200, {"Content-Type": "application/json"}, b'{"not": "an article"}'),
        # declared Latin-1, really UTF-8 (and its <meta> says so): no mojibake
        "charset": (
            200,
            {"Content-Type": "text/html; charset=iso-8859-1"},
            article_html("Caf\u00e9 na\u00efve", "Le caf\u00e9 na\u00efve \u2014 " + TEXT),
        ),
        "slow": _slow(5.0),
        "jump": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
    }
    items = []
    for name, route in pages.items():
        if route is not None:
            s.add(f"/news/{name}", route)
        items.append({"link": s.url(f"/news/{name}"), "title": f"Story {name}"})
    items.append({"link": s.url("/private/story"), "title": "Story robots"})
    # one entry that falls back to its feed summary when the page fails
    items.append({"link": s.url("/news/missing-with-summary"), "title": "Summary", "summary": TEXT})
    s.add("/feeds/good.xml", (200, RSS_HEADERS, rss(items)))
    return s


def _crawl(engine: Engine, url: str, site: LocalServer, **crawler) -> dict:
    feeds = {
        name: site.url(f"/feeds/{name}.xml")
        for name in ("slow", "loop-a", "to-private", "gone", "busy", "good", "html", "nope")
    }
    feeds["robots"] = site.url("/private/feed.xml")
    config = make_config(url, feeds, total_timeout_s=1.5, read_timeout_s=1.0, **crawler)
    register(engine, config)
    return crawl_once(engine, config), config


def test_each_failure_has_its_own_outcome(sqlite_engine: Engine, sqlite_url: str, site) -> None:
    t0 = utcnow()
    out, _ = _crawl(sqlite_engine, sqlite_url, site, max_failures=5)
    src = source_rows(sqlite_engine)
    assert out["sources"] == 9 and out["errors"] == 7

    def err(name: str) -> str:
        return src[name]["last_error"] or ""

    assert "within the 1.5s total timeout" in err("slow") or "sent nothing" in err("slow")
    assert "redirect loop" in err("loop-a")
    assert "10.0.0.1 is a private address: refused" in err("to-private")
    assert src["nope"]["last_status"] == 404 and err("nope") == "HTTP 404 Not Found"
    assert not src["nope"]["paused"] and src["nope"]["error_count"] == 1
    # 410: disabled for good, with the reason shown
    assert src["gone"]["disabled"] and src["gone"]["paused"]
    assert "410 Gone" in src["gone"]["paused_reason"]
    # 429 with Retry-After: the next poll waits at least that long
    assert src["busy"]["last_status"] == 429
    assert aware(src["busy"]["next_poll_at"]) >= t0 + timedelta(seconds=7200)
    assert "robots.txt disallows it" in err("robots")
    # errors back off: none of the failed feeds is due again right away
    for name in ("slow", "loop-a", "to-private", "nope", "robots"):
        assert aware(src[name]["next_poll_at"]) > t0 + timedelta(seconds=30), name
    # an HTML page where a feed was expected: fetched fine, nothing in it, said so
    assert src["html"]["last_status"] == 200 and src["html"]["error_count"] == 0
    assert src["html"]["bozo"], "a non-feed document is recorded as ill-formed"
    assert src["good"]["last_error"] is None and src["good"]["bozo"] is None

    arts = {a["url"].rsplit("/", 1)[-1]: a for a in article_rows(sqlite_engine)}
    ok = arts["ok"]
    assert (ok["fetch_status"], ok["extraction"]) == ("done", "page")
    assert "container ships" in ok["text"] and ok["lang"] == "en"
    charset = arts["charset"]
    assert charset["fetch_status"] == "done" and "Le caf\u00e9 na\u00efve \u2014" in charset["text"]
    assert "Ã" not in charset["text"]
    expect_error = {
        "missing": "HTTP 404 Not Found",
        "pdf": "no article text in the page (application/pdf)",
        "png": "no article text in the page (image/png)",
        "json": "no article text in the page (application/json)",
        "slow": "timeout",
        "jump": "169.254.169.254 is a link-local address: refused",
        "story": "robots.txt disallows it",
    }
    for name, words in expect_error.items():
        a = arts[name]
        assert a["fetch_status"] == "error" and a["error_stage"] == "fetch", name
        if name == "slow":
            assert "timeout" in a["last_error"] or "sent nothing" in a["last_error"]
        else:
            assert words in a["last_error"], (name, a["last_error"])
    fallback = arts["missing-with-summary"]
    assert (fallback["fetch_status"], fallback["extraction"]) == ("done", "feed_summary")
    assert fallback["text"] == TEXT
    assert fallback["last_error"] == "page not used: HTTP 404 Not Found"


def test_repeated_failures_pause_the_feed_with_the_reason(
    sqlite_engine: Engine, sqlite_url: str, site
) -> None:
    for _ in range(2):
        _crawl(sqlite_engine, sqlite_url, site, max_failures=2)
        with sqlite_engine.begin() as conn:  # make everything due again
            conn.execute(update(sources).values(next_poll_at=None))
    src = source_rows(sqlite_engine)
    assert src["nope"]["paused"] and src["nope"]["error_count"] == 2
    assert src["nope"]["paused_reason"] == "2 consecutive failures; last: HTTP 404 Not Found"
    assert not src["good"]["paused"] and src["good"]["error_count"] == 0
    # a paused feed is not polled again
    hits = site.hits.get("/feeds/nope.xml")
    _crawl(sqlite_engine, sqlite_url, site, max_failures=2)
    assert site.hits.get("/feeds/nope.xml") == hits


def test_the_second_pass_is_conditional(
    sqlite_engine: Engine, sqlite_url: str, tmp_path: Path
) -> None:
    """A feed that answers 304 to our ETag costs no parse and no new rows."""
    with LocalServer() as srv:
        body = rss([{"link": srv.url("/p/1"), "title": "One", "summary": TEXT}])

        def feed(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            if h.headers.get("If-None-Match") == '"v1"':
                return 304, {"ETag": '"v1"'}, b""
            return 200, {**RSS_HEADERS, "ETag": '"v1"'}, body

        srv.add("/f.xml", feed)
        srv.add("/p/1", (200, {"Content-Type": "text/html"}, article_html("One", TEXT)))
        config = make_config(sqlite_url, {"f": srv.url("/f.xml")})
        register(sqlite_engine, config)
        assert crawl_once(sqlite_engine, config)["new"] == 1
        with sqlite_engine.begin() as conn:
            conn.execute(update(sources).values(next_poll_at=None))
        assert crawl_once(sqlite_engine, config)["new"] == 0
        requests = [r for r in srv.requests if r["path"] == "/f.xml"]
    assert requests[1]["headers"].get("If-None-Match") == '"v1"'
    src = source_rows(sqlite_engine)["f"]
    assert src["last_status"] == 304 and src["etag"] == '"v1"' and src["error_count"] == 0
    assert len(article_rows(sqlite_engine)) == 1
