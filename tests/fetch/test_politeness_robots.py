"""Per-host concurrency, the adaptive delay, and robots.txt outcomes against a real server."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

from core.settings.crawler import CrawlerSettings
from ingest.politeness import Politeness
from tests.fetch.conftest import fetch_all, fetch_one
from tests.localserver import LocalServer


class ConcurrencyProbe:
    """A route that records how many requests are in flight at once."""

    def __init__(self, sleep_s: float) -> None:
        self.sleep_s, self.now, self.peak = sleep_s, 0, 0
        self.lock = threading.Lock()

    def __call__(self, h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(self.sleep_s)
        with self.lock:
            self.now -= 1
        return 200, {}, b"ok"


def test_per_host_concurrency_one(local_server: LocalServer, settings: CrawlerSettings) -> None:
    settings.per_host_concurrency = 1
    probe = ConcurrencyProbe(0.05)
    local_server.add("/p", probe)
    results = fetch_all(settings, [local_server.url(f"/p?i={i}") for i in range(6)])
    assert all(r.ok for r in results)
    assert probe.peak == 1


def test_per_host_concurrency_two_is_used(
    local_server: LocalServer, settings: CrawlerSettings
) -> None:
    settings.per_host_concurrency = 2
    settings.throttle_enabled = False
    probe = ConcurrencyProbe(0.2)
    local_server.add("/p", probe)
    fetch_all(settings, [local_server.url(f"/p?i={i}") for i in range(4)])
    assert probe.peak == 2  # the probe can see overlap, so peak == 1 above means something


def test_adaptive_delay_grows_for_a_slow_host(
    local_server: LocalServer, settings: CrawlerSettings
) -> None:
    import asyncio

    from ingest.fetch import Fetcher

    settings.obey_robots = False
    local_server.add("/slow", ConcurrencyProbe(0.3))
    local_server.add("/fast", (200, {}, b"ok"))

    async def go() -> float:
        async with Fetcher(settings) as f:
            assert f.politeness.delay("127.0.0.1") == 0.0
            await f.fetch(local_server.url("/slow"))
            await f.fetch(local_server.url("/slow"))
            return f.politeness.delay("127.0.0.1")

    assert asyncio.run(go()) >= 0.2


def test_throttle_rules() -> None:
    s = CrawlerSettings(throttle_start_delay_s=1.0, min_delay_s=0.5, max_delay_s=4.0)
    p = Politeness(s)
    p.record("h", 0.1, 200)  # fast answers pull the delay down, halfway each time
    assert p.delay("h") == 0.55
    p.record("h", 0.0, 500)  # an error never lowers it
    assert p.delay("h") == 0.55
    p.record("h", 0.0, 404)
    assert p.delay("h") == 0.55
    p.record("h", 0.0, 304)  # a conditional GET answered "not modified" is a healthy answer
    assert p.delay("h") == 0.5
    p.record("h", 0.1, 200)
    assert p.delay("h") == 0.5
    p.record("h", 3.0, 503)  # but may raise it
    assert p.delay("h") == 3.0
    p.record("h", 60.0, 200)  # ceiling
    assert p.delay("h") == 4.0
    for _ in range(20):
        p.record("h", 0.0, 200)
    assert p.delay("h") == 0.5  # floor: min_delay_s
    p.set_crawl_delay("h", 2.0)
    assert p.delay("h") == 2.0  # robots Crawl-delay raises the floor


def test_robots_disallow_and_crawl_delay(
    local_server: LocalServer, settings: CrawlerSettings
) -> None:
    robots = (
        b"User-agent: storyloom\nDisallow: /private\nCrawl-delay: 0.3\n\nUser-agent: *\nAllow: /\n"
    )
    local_server.add("/robots.txt", (200, {"Content-Type": "text/plain"}, robots))
    local_server.add("/private/x", (200, {}, b"secret"))
    local_server.add("/public", (200, {}, b"fine"))
    t0 = time.monotonic()
    blocked, ok1, ok2 = fetch_all(
        settings,
        [local_server.url("/private/x"), local_server.url("/public"), local_server.url("/public")],
    )
    assert blocked.error == "robots" and "robots.txt disallows it" in (blocked.detail or "")
    assert ok1.ok and ok2.ok and local_server.hits.get("/private/x") is None
    assert local_server.hits["/robots.txt"] == 1  # cached per origin, fetched once
    assert time.monotonic() - t0 >= 0.3  # two requests to the host, Crawl-delay apart


def test_robots_404_allows_and_503_blocks(
    local_server: LocalServer, settings: CrawlerSettings
) -> None:
    local_server.add("/page", (200, {}, b"ok"))
    assert fetch_one(settings, local_server.url("/page")).ok  # no robots.txt: 404 -> allowed
    local_server.add("/robots.txt", (503, {}, b"busy"))
    res = fetch_one(settings, local_server.url("/page"))
    assert res.error == "robots" and "answered HTTP 503" in (res.detail or "")
    assert fetch_one(settings, local_server.url("/page"), check_robots=False).ok
