"""robots.txt per origin (RFC 9309), parsed with protego and cached with a TTL.

Outcomes of fetching /robots.txt, chosen to match RFC 9309 and Google's crawler:
- 2xx: parsed; its rules and Crawl-delay apply for `robots_ttl_s`.
- 4xx (404, 403, 410...): no rules, everything allowed (also cached for `robots_ttl_s`).
- 5xx, timeout, refused address or any other failure: the origin is treated as fully
  disallowed for `robots_error_ttl_s`, then asked again, since a server in trouble should not
  be crawled harder.
The robots file is fetched through the Fetcher's own guarded path (address checks, caps,
redirects), so it can never be a way around them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

from core.settings.crawler import CrawlerSettings

if TYPE_CHECKING:
    from ingest.fetch import FetchResult

logger = logging.getLogger(__name__)

RobotsFetch = Callable[[str], Awaitable["FetchResult"]]


@dataclass
class RobotsEntry:
    """What one origin's robots.txt says, and until when we trust it."""

    rules: Protego | None  # None: no rules (allow all) or blocked, see `allow_all`
    allow_all: bool
    expires: float
    reason: str  # why, for the operator: "parsed", "HTTP 404", "HTTP 503", a fetch detail
    error: str | None = None  # the robots fetch's own error code when nothing answered

    def allowed(self, url: str, user_agent: str) -> bool:
        if self.rules is not None:
            return bool(self.rules.can_fetch(url, user_agent))
        return self.allow_all

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.rules is None:
            return None
        delay = self.rules.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class RobotsCache:
    """Fetches and caches robots.txt per origin; concurrent askers share one fetch."""

    def __init__(self, settings: CrawlerSettings, fetch: RobotsFetch) -> None:
        self.settings = settings
        self._fetch = fetch
        self._entries: dict[str, RobotsEntry] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # protego matches the product token, not the whole User-Agent header
        self.agent = settings.user_agent.split("/")[0].split()[0]

    async def entry(self, url: str) -> RobotsEntry:
        origin = origin_of(url)
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._entries.get(origin)
            if cached is not None and cached.expires > time.monotonic():
                return cached
            entry = await self._load(origin)
            self._entries[origin] = entry
            return entry

    async def _load(self, origin: str) -> RobotsEntry:
        s = self.settings
        res = await self._fetch(origin + "/robots.txt")
        now = time.monotonic()
        if res.status is not None and 200 <= res.status < 300 and res.error is None:
            text = res.body.decode(res.charset or "utf-8", errors="replace")
            return RobotsEntry(Protego.parse(text), True, now + s.robots_ttl_s, "parsed")
        if res.status is not None and 400 <= res.status < 500:
            return RobotsEntry(None, True, now + s.robots_ttl_s, f"HTTP {res.status}")
        if res.status is not None:
            reason, error = f"answered HTTP {res.status}", None
        else:
            reason, error = f"unreachable ({res.detail})", res.error
        logger.warning("robots.txt of %s %s: origin disallowed", origin, reason)
        return RobotsEntry(None, False, now + s.robots_error_ttl_s, reason, error)

    async def check(self, url: str) -> tuple[bool, float | None, RobotsEntry]:
        """(allowed, crawl_delay, the origin's entry) for `url`."""
        entry = await self.entry(url)
        return entry.allowed(url, self.agent), entry.crawl_delay(self.agent), entry
