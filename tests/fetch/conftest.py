"""Fetch-test helpers: settings that allow the loopback server, and a one-shot fetch runner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from core.settings.crawler import CrawlerSettings
from ingest.fetch import Fetcher, FetchResult


@pytest.fixture
def settings() -> CrawlerSettings:
    """Loopback allowed, no start delay, short timeouts so failure cases stay fast."""
    return CrawlerSettings(
        allow_hosts=["127.0.0.1"],
        throttle_start_delay_s=0.0,
        connect_timeout_s=2.0,
        read_timeout_s=2.0,
        total_timeout_s=5.0,
        max_body_bytes=1_000_000,
    )


def fetch_all(settings: CrawlerSettings, urls: list[str], **kw: Any) -> list[FetchResult]:
    """Fetch `urls` concurrently with one Fetcher (a fresh event loop per call)."""

    async def go() -> list[FetchResult]:
        async with Fetcher(settings) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u, **kw) for u in urls)))

    return asyncio.run(go())


def fetch_one(settings: CrawlerSettings, url: str, **kw: Any) -> FetchResult:
    return fetch_all(settings, [url], **kw)[0]


@pytest.fixture
def fetch() -> Callable[..., FetchResult]:
    return fetch_one
