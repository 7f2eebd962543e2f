"""Awkward endpoints on a real local server: each failure has its own code and detail."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from core.settings.crawler import CrawlerSettings
from ingest.fetch import Fetcher
from ingest.netguard import AllowList, GuardedBackend, GuardError, guarded_transport
from ingest.schedule import retry_after_s
from tests.fetch.conftest import fetch_one
from tests.localserver import LocalServer


def slow_headers(seconds: float):  # noqa: ANN201 - a route factory
    def route(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        h.send_response(200)
        h.send_header("Content-Length", "2")
        h.end_headers()
        h.wfile.write(b"ok")

    return route


def trickle(h: BaseHTTPRequestHandler) -> None:
    """Sends a byte every 0.1 s for 3 s: never idle long, but never done in time."""
    h.send_response(200)
    h.send_header("Content-Length", "30")
    h.end_headers()
    try:
        for _ in range(30):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.1)
    except OSError:
        pass


def test_read_timeout(local_server: LocalServer, settings: CrawlerSettings) -> None:
    settings.read_timeout_s = 0.3
    res = fetch_one(settings, local_server.add("/slow", slow_headers(1.5)))
    assert res.error == "timeout" and res.status is None
    assert "sent nothing for 0.3s" in (res.detail or "")


def test_total_timeout(local_server: LocalServer, settings: CrawlerSettings) -> None:
    settings.total_timeout_s = 0.5
    t0 = time.monotonic()
    res = fetch_one(settings, local_server.add("/trickle", trickle))
    assert res.error == "timeout" and res.status == 200
    assert "0.5s total timeout" in (res.detail or "")
    assert time.monotonic() - t0 < 2.5


def test_redirect_loop(local_server: LocalServer, settings: CrawlerSettings) -> None:
    local_server.add("/a", (302, {"Location": "/b"}, b""))
    local_server.add("/b", (301, {"Location": local_server.url("/a")}, b""))
    res = fetch_one(settings, local_server.url("/a"))
    assert res.error == "redirect_loop" and "points back to" in (res.detail or "")


def test_too_many_redirects(local_server: LocalServer, settings: CrawlerSettings) -> None:
    settings.max_redirects = 3
    for i in range(6):
        local_server.add(f"/r{i}", (307, {"Location": f"/r{i + 1}"}, b""))
    res = fetch_one(settings, local_server.url("/r0"))
    assert res.error == "too_many_redirects" and "more than 3 redirects" in (res.detail or "")
    assert local_server.hits.get("/r4") is None  # gave up before a 5th request


def test_redirects_followed_to_the_end(
    local_server: LocalServer, settings: CrawlerSettings
) -> None:
    local_server.add("/old", (301, {"Location": "/new"}, b""))
    local_server.add("/new", (200, {"Content-Type": "text/plain"}, b"moved"))
    res = fetch_one(settings, local_server.url("/old"))
    assert res.ok and res.body == b"moved"
    assert (res.url, res.final_url) == (local_server.url("/old"), local_server.url("/new"))


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real guarded transport, noting every URL it is asked to connect to."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.seen = inner, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(str(request.url))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize(
    "target", ["http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data/"]
)
def test_redirect_to_private_address_refused_before_connecting(
    local_server: LocalServer, settings: CrawlerSettings, target: str
) -> None:
    url = local_server.add("/jump", (302, {"Location": target}, b""))
    allow = AllowList.parse(settings.allow_hosts)
    transport = RecordingTransport(guarded_transport(allow, httpx.Limits()))

    async def go():  # noqa: ANN202
        async with Fetcher(settings, transport) as f:
            return await f.fetch(url)

    res = asyncio.run(go())
    assert res.error == "private_address" and res.final_url == target
    assert "address: refused" in (res.detail or "")
    assert not any(u.startswith(target) for u in transport.seen)


def test_loopback_refused_without_allow_list(local_server: LocalServer) -> None:
    res = fetch_one(CrawlerSettings(), local_server.add("/p", (200, {}, b"secret")))
    assert res.error == "private_address" and "loopback" in (res.detail or "")
    assert local_server.hits.get("/p") is None


def test_connect_time_guard_checks_the_address_it_dials(local_server: LocalServer) -> None:
    """Rebinding defence: the pool's backend itself refuses a name resolving to loopback."""

    async def go() -> None:
        with pytest.raises(GuardError) as info:
            await GuardedBackend(AllowList.parse([])).connect_tcp("localhost", local_server.port)
        assert info.value.code == "private_address"
        stream = await GuardedBackend(AllowList.parse(["127.0.0.0/8"])).connect_tcp(
            "localhost", local_server.port
        )
        await stream.aclose()

    asyncio.run(go())


@pytest.mark.parametrize(("status", "phrase"), [(404, "Not Found"), (410, "Gone")])
def test_http_error_status(
    local_server: LocalServer, settings: CrawlerSettings, status: int, phrase: str
) -> None:
    res = fetch_one(settings, local_server.add("/e", (status, {}, b"gone")))
    assert (res.error, res.status, res.detail) == ("http_status", status, f"HTTP {status} {phrase}")
    assert res.body == b"" and not res.ok


def test_429_retry_after_seconds_and_date(
    local_server: LocalServer, settings: CrawlerSettings
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    later = format_datetime(now.replace(second=0).astimezone(UTC), usegmt=True)
    local_server.add("/s", (429, {"Retry-After": "120"}, b""))
    local_server.add("/d", (503, {"Retry-After": later}, b""))
    res_s = fetch_one(settings, local_server.url("/s"))
    res_d = fetch_one(settings, local_server.url("/d"))
    assert res_s.error == "http_status" and res_s.status == 429
    assert retry_after_s(res_s.headers, now) == 120.0
    assert res_d.status == 503 and res_d.headers["retry-after"] == later
    assert retry_after_s(res_d.headers, now.replace(second=0)) == 0.0


def test_conditional_get_304(local_server: LocalServer, settings: CrawlerSettings) -> None:
    def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if h.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT"}, b"feed"

    url = local_server.add("/feed", route)
    first = fetch_one(settings, url)
    again = fetch_one(
        settings, url, etag=first.headers["etag"], last_modified=first.headers["last-modified"]
    )
    assert first.ok and first.body == b"feed" and not first.not_modified
    assert again.ok and again.not_modified and again.status == 304 and again.body == b""
    sent = local_server.requests[-1]["headers"]
    assert sent["If-Modified-Since"] == "Mon, 02 Mar 2026 10:00:00 GMT"
    assert sent["Accept-Encoding"] == "gzip, deflate, br, zstd"
    assert sent["User-Agent"] == settings.user_agent


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "file:///etc/passwd", "javascript:alert(1)"]
)
def test_non_http_scheme(settings: CrawlerSettings, url: str) -> None:
    res = fetch_one(settings, url)
    assert res.error == "bad_scheme" and "only http and https" in (res.detail or "")


def test_plain_body_over_the_cap(local_server: LocalServer, settings: CrawlerSettings) -> None:
    settings.max_body_bytes = 1000
    res = fetch_one(settings, local_server.add("/big", (200, {}, b"x" * 5000)))
    assert res.error == "too_large" and res.status == 200 and res.body == b""


def test_wire_cap_by_content_length_and_while_streaming(
    local_server: LocalServer, settings: CrawlerSettings
) -> None:
    settings.max_wire_bytes = 1000
    res = fetch_one(settings, local_server.add("/declared", (200, {}, b"x" * 5000)))
    assert res.error == "too_large" and "Content-Length 5,000" in (res.detail or "")

    def undeclared(h: BaseHTTPRequestHandler) -> None:  # no Content-Length: read to close
        h.send_response(200)
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(gzip.compress(bytes(range(256)) * 40, compresslevel=0))
        h.close_connection = True

    res = fetch_one(settings, local_server.add("/undeclared", undeclared))
    assert res.error == "too_large" and "wire cap" in (res.detail or "")


def test_connection_refused(settings: CrawlerSettings) -> None:
    res = fetch_one(settings, "http://127.0.0.1:9/nothing-listens")
    assert res.error == "connect" and "robots.txt unreachable (cannot connect" in (res.detail or "")


def test_counters(local_server: LocalServer, settings: CrawlerSettings) -> None:
    settings.obey_robots = False
    url_ok = local_server.add("/ok", (200, {}, b"12345"))

    async def go() -> dict[str, float]:
        async with Fetcher(settings) as f:
            await f.fetch(url_ok)
            await f.fetch(local_server.url("/missing"))
            await f.fetch("ftp://x/")
            return dict(f.counters)

    c = asyncio.run(go())
    assert c["fetches_total"] == 3 and c["fetch_status_2xx"] == 1 and c["fetch_status_4xx"] == 1
    assert c["fetch_bytes_decoded"] == 5 and c["fetch_errors_http_status"] == 1
    assert c["fetch_errors_bad_scheme"] == 1 and c["fetch_status_none"] == 1
