"""Per-host politeness: bounded concurrency and an adaptive delay between requests.

The delay follows Scrapy's AutoThrottle: a host that answers in `latency` seconds can take
`target_concurrency` requests in flight, so the wanted delay is latency / target_concurrency,
smoothed with the previous delay and kept between max(min_delay_s, Crawl-delay) and
max_delay_s. Error answers (anything but 200 or 304) never lower the delay: a failing host is
not rewarded with faster requests.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from core.settings.crawler import CrawlerSettings
from ingest.hosts import SharedHosts

logger = logging.getLogger(__name__)

# Answers that show a healthy host and may lower its delay. 304 is what a polled feed answers
# most of the time; counting it as an error would pin every feed host at the start delay.
HEALTHY = frozenset({200, 304})


@dataclass
class HostSlot:
    """One host's state: its semaphore, delay and when the next request may start."""

    sem: asyncio.Semaphore
    delay: float
    crawl_delay: float = 0.0
    next_start: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Politeness:
    """Gates requests: `async with politeness.slot(host): ...` then `record(...)`."""

    def __init__(self, settings: CrawlerSettings, shared: SharedHosts | None = None) -> None:
        self.settings = settings
        self.shared = shared  # the store's host rows: one politeness for N crawlers
        self._global = asyncio.Semaphore(settings.max_concurrency)
        self._hosts: dict[str, HostSlot] = {}

    def _slot(self, host: str) -> HostSlot:
        slot = self._hosts.get(host)
        if slot is None:
            s = self.settings
            start = s.throttle_start_delay_s if s.throttle_enabled else 0.0
            slot = HostSlot(
                asyncio.Semaphore(s.per_host_concurrency),
                min(max(s.min_delay_s, start), s.max_delay_s),
            )
            self._hosts[host] = slot
        return slot

    def floor(self, host: str) -> float:
        """The smallest delay allowed for `host`: min_delay_s or its robots Crawl-delay."""
        return max(self.settings.min_delay_s, self._slot(host).crawl_delay)

    def delay(self, host: str) -> float:
        """The delay now applied between two request starts to `host`."""
        slot = self._slot(host)
        return min(
            max(slot.delay, self.floor(host)), max(self.settings.max_delay_s, slot.crawl_delay)
        )

    def set_crawl_delay(self, host: str, seconds: float | None) -> None:
        """robots.txt's Crawl-delay raises the floor (and may exceed max_delay_s: it is asked)."""
        self._slot(host).crawl_delay = max(0.0, seconds or 0.0)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait for a free global and per-host place, then for the host's delay to pass."""
        slot = self._slot(host)
        async with slot.sem:
            async with slot.lock:  # serialise the start times of one host
                wait = slot.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                slot.next_start = time.monotonic() + self.delay(host)
                if self.shared is not None:  # other crawlers' requests to the host count too
                    wait = await asyncio.to_thread(self.shared.reserve, host, self.delay(host))
                    if wait > 0:
                        await asyncio.sleep(wait)
            async with self._global:  # taken last: a host's delay must not hold other hosts
                yield

    async def block(self, host: str, seconds: float) -> None:
        """Retry-After on 429/503, shared with the other crawlers: none of them starts a
        request to `host` for `seconds`, at most max_delay_s (the feed itself is not polled
        again before its whole Retry-After: ingest/crawl.py). Alone, a crawler's own
        schedule and adaptive delay already cover it."""
        if self.shared is not None:
            wait = min(seconds, max(self.settings.max_delay_s, self._slot(host).crawl_delay))
            await asyncio.to_thread(self.shared.block, host, wait)

    def record(self, host: str, latency_s: float, status: int | None) -> None:
        """Feed one response's latency (headers received) into the host's adaptive delay."""
        s = self.settings
        if not s.throttle_enabled:
            return
        slot = self._slot(host)
        target = latency_s / s.throttle_target_concurrency
        new = max(target, (slot.delay + target) / 2.0)
        new = min(max(self.floor(host), new), max(s.max_delay_s, slot.crawl_delay))
        if status not in HEALTHY and new <= slot.delay:
            return
        slot.delay = new
        logger.debug("host %s delay %.3fs (latency %.3fs, status %s)", host, new, latency_s, status)
