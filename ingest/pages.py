"""Single article URLs handed in by an operator (`storyloom add-url`).

They become pending article rows, the same as feed entries, so the daemon (or `--now`) fetches
and extracts them through the one guarded Fetcher and they go on through the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from core.config import Config
from ingest.fetch import Fetcher
from ingest.urls import canonical_url, region_from_host, url_host
from store.articles import PENDING, is_tombstoned, upsert_article


def queue_urls(engine: Engine, urls: Iterable[str]) -> dict[str, Any]:
    """Store each URL as a pending article; returns counts and (url, why) for refused ones."""
    out: dict[str, Any] = {"new": 0, "known": 0, "refused": []}
    for url in urls:
        url = url.strip()
        if not url.startswith(("http://", "https://")):
            out["refused"].append((url, "only http:// and https:// URLs can be fetched"))
            continue
        canonical = canonical_url(url)
        host = url_host(url)
        with engine.begin() as conn:
            if is_tombstoned(conn, canonical, None):
                out["refused"].append((url, "an editor deleted this article; it stays gone"))
                continue
            _, created = upsert_article(
                conn,
                url=url,
                canonical=canonical,
                source_name=host,
                region=region_from_host(host),
                fetch_status=PENDING,
            )
        out["new" if created else "known"] += 1
    return out


async def fetch_pending(engine: Engine, config: Config) -> dict[str, int]:
    """Fetch every pending page now (feeds are not polled)."""
    from ingest.crawl import fetch_pages

    async with Fetcher(config.crawler) as fetcher:
        return await fetch_pages(engine, config, fetcher)


__all__ = ["fetch_pending", "queue_urls"]
