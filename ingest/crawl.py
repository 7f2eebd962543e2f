"""One crawl pass: poll the sources that are due, then fetch the pages of new entries.

Fetching is asyncio through the guarded Fetcher; extraction is CPU work and runs in worker
threads so it never stalls fetching. Every outcome, good or bad, is written on the source or
the article row where an operator will see it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, update

from core.aio import run_sync
from core.config import Config
from ingest.extract import extract_article
from ingest.feeds import FeedEntry, ParsedFeed, parse_feed
from ingest.fetch import Fetcher, FetchResult
from ingest.hosts import SharedHosts
from ingest.langid import detect_language
from ingest.outcomes import record_outcome
from ingest.schedule import backoff_s, next_poll_delay_s, retry_after_s
from ingest.urls import canonical_url, region_from_host, url_host
from ingest.validate import page_bytes, sanitised
from store.articles import (
    DONE,
    ERROR,
    PENDING,
    ClaimLost,
    claim,
    finish,
    merge_duplicate_text,
    release,
    text_hash,
    upsert_article,
)
from store.claims import claim_where, finish_claim, lease_of
from store.db import utcnow
from store.notify import notify_work
from store.schema import article_urls, articles, sources

logger = logging.getLogger(__name__)

PAGE_BATCH = 64
# Well-formed XML (or HTML) that is no feed parses without a warning; say why nothing comes.
NOT_A_FEED = "not a feed: no RSS, Atom, RDF or JSON Feed document in the response"


def due_sources(engine: Engine, config: Config, now: datetime) -> list[dict[str, Any]]:
    """Claim the sources due for a poll (store/claims.py): each due feed goes to exactly
    one crawler, however many run. A row's `claim_token` is handed back by the poll's
    outcome (`_record_feed`, `_record_failure`), or comes back after the source lease."""
    got = claim_where(
        engine,
        "source",
        sources,
        [
            sources.c.paused.is_(False),
            sources.c.disabled.is_(False),
            or_(sources.c.next_poll_at.is_(None), sources.c.next_poll_at <= now),
        ],
        limit=None,  # a poll is short: the crawler that finds a source due takes it
        lease=lease_of(config.workers, "source"),
        now=now,
    )
    if not got:
        return []
    with engine.connect() as conn:
        rows = [
            dict(r._mapping) for r in conn.execute(select(sources).where(sources.c.id.in_(got)))
        ]
    for r in rows:
        r["claim_token"] = got.token
    return rows


def _source_done(conn: Connection, src: dict[str, Any], vals: dict[str, Any]) -> None:
    """Write a poll's outcome on the source and end its claim (ClaimLost: another crawler
    polled it after our lease ran out; its outcome stands)."""
    if src.get("claim_token"):
        finish_claim(conn, "source", src["id"], src["claim_token"])
    conn.execute(update(sources).where(sources.c.id == src["id"]).values(**vals))


def _entry_times(engine: Engine, source_id: int) -> list[datetime]:
    q = (
        select(articles.c.published_at)
        .where(articles.c.source_id == source_id, articles.c.published_at.is_not(None))
        .order_by(articles.c.published_at.desc())
        .limit(50)
    )
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(q)]


def _record_failure(engine: Engine, src: dict[str, Any], res: FetchResult, config: Config) -> None:
    """Back off exponentially; pause after too many failures; 410 Gone disables for good."""
    now = utcnow()
    n = (src["error_count"] or 0) + 1
    delay = backoff_s(n, config.crawler, random.Random())
    wait = retry_after_s(res.headers, now) if res.status in (429, 503) else None
    if wait:
        delay = max(delay, wait)
    vals: dict[str, Any] = {
        "last_fetch_at": now,
        "last_status": res.status,
        "last_error": res.detail or res.error,
        "error_count": n,
        "next_poll_at": now + timedelta(seconds=delay),
    }
    if res.status == 410:
        vals.update(disabled=True, paused=True, paused_reason="HTTP 410 Gone: the feed was removed")
    elif n >= config.crawler.max_failures:
        vals.update(
            paused=True, paused_reason=f"{n} consecutive failures; last: {vals['last_error']}"
        )
    try:
        with engine.begin() as conn:
            _source_done(conn, src, vals)
            record_outcome(conn, src["id"], res)
    except ClaimLost:
        logger.info("source %s: poll lease expired; another crawler polled it", src["name"])


def _known_urls(conn: Connection, urls: set[str]) -> set[str]:
    """Which of `urls` already belong to an article (as its canonical URL or another URL)."""
    if not urls:
        return set()
    q1 = select(articles.c.canonical_url).where(articles.c.canonical_url.in_(urls))
    q2 = select(article_urls.c.url).where(article_urls.c.url.in_(urls))
    return {r[0] for r in conn.execute(q1)} | {r[0] for r in conn.execute(q2)}


def _store_entries(engine: Engine, src: dict[str, Any], feed: ParsedFeed, config: Config) -> int:
    created = 0
    fetch_pages = config.crawler.fetch_articles
    linked = []
    for e in feed.entries:
        e = FeedEntry(**sanitised(vars(e), "feed entry", e.link))
        link = e.link or (e.guid if e.guid and e.guid.startswith(("http://", "https://")) else None)
        if link:
            linked.append((e, link, canonical_url(link)))
    # One order for every crawler: two feeds listing the same entries insert them in the same
    # order, so their transactions wait on each other instead of deadlocking.
    linked.sort(key=lambda x: x[2])
    with engine.begin() as conn:
        # A re-polled feed mostly lists entries we have: one query finds them all, and only
        # the rest go through upsert_article (known URLs would be a no-op there anyway).
        known = _known_urls(conn, {c for _, _, c in linked})
        for e, link, canonical in linked:
            if canonical in known:
                continue
            aid, new = upsert_article(
                conn,
                url=link,
                canonical=canonical,
                guid=e.guid,
                source_id=src["id"],
                title=e.title,
                feed_summary=e.summary,
                author=e.author,
                published_at=e.published,
                region=src["country"] or region_from_host(url_host(link)),
                lang=e.lang or feed.lang or src["language"],
                fetch_status=PENDING if fetch_pages else DONE,
                text=None if fetch_pages else e.summary,
                extraction=None if fetch_pages else "feed_summary",
            )
            created += int(new)
        if created:
            notify_work(conn, "fetch" if fetch_pages else "nlp")
    return created


def _queue_single_page(engine: Engine, src: dict[str, Any]) -> int:
    with engine.begin() as conn:
        _, new = upsert_article(
            conn,
            url=src["url"],
            canonical=canonical_url(src["url"]),
            source_id=src["id"],
            region=src["country"],
            fetch_status=PENDING,
        )
        vals = {"paused": True, "paused_reason": "single page: fetched once"}
        _source_done(conn, src, {**vals, "last_fetch_at": utcnow()})
        notify_work(conn, "fetch")
    return int(new)


def _record_feed(engine: Engine, config: Config, src: dict[str, Any], res: FetchResult) -> int:
    """Parse a fetched feed, store its new entries, schedule the next poll; returns new rows.

    Runs in a worker thread: parsing is CPU work and the writes may wait on the store.
    """
    now = utcnow()
    feed = None if res.not_modified else parse_feed(res.body, res.headers, res.final_url)
    new = _store_entries(engine, src, feed, config) if feed else 0
    delay = next_poll_delay_s(
        _entry_times(engine, src["id"]),
        res.headers,
        config.crawler,
        now,
        ttl_minutes=feed.ttl_minutes if feed else None,
    )
    vals: dict[str, Any] = {
        "last_fetch_at": now,
        "last_status": res.status,
        "last_error": None,
        "error_count": 0,
        "next_poll_at": now + timedelta(seconds=delay),
        "interval_s": int(delay),
        "etag": res.headers.get("etag", src["etag"]),
        "last_modified": res.headers.get("last-modified", src["last_modified"]),
    }
    if feed is not None:
        vals["bozo"] = feed.bozo or (None if feed.version or feed.entries else NOT_A_FEED)
    try:
        with engine.begin() as conn:
            _source_done(conn, src, vals)
            record_outcome(conn, src["id"], res)
    except ClaimLost:
        logger.info("source %s: poll lease expired; another crawler polled it", src["name"])
    return new


async def poll_source(
    engine: Engine, config: Config, fetcher: Fetcher, src: dict[str, Any]
) -> dict:
    """Fetch one feed (conditionally) and store its new entries.

    Only the fetch runs on the event loop; parsing and store writes go to a worker thread so
    a slow parse or a busy store never holds up other fetches (or skews their latency).
    """
    if src["kind"] == "url":
        new = await asyncio.to_thread(_queue_single_page, engine, src)
        return {"source": src["name"], "new": new}
    res = await fetcher.fetch(src["url"], etag=src["etag"], last_modified=src["last_modified"])
    if not res.ok:
        await asyncio.to_thread(_record_failure, engine, src, res, config)
        logger.warning(
            "feed fetch failed",
            extra={"source": src["name"], "error": res.error, "detail": res.detail},
        )
        return {"source": src["name"], "error": res.error}
    new = await asyncio.to_thread(_record_feed, engine, config, src, res)
    logger.info(
        "feed fetched",
        extra={
            "source": src["name"],
            "status": res.status,
            "new": new,
            "not_modified": res.not_modified,
            "bytes": len(res.body),
        },
    )
    return {"source": src["name"], "status": res.status, "new": new}


def _page_outcome(
    row: dict[str, Any], res: FetchResult, config: Config
) -> tuple[str, dict, str | None]:
    """Extract text from a fetched page, falling back to the feed summary when it fails."""
    extracted = None
    why = None
    if res.ok:
        body = page_bytes(res.body, row["url"])
        extracted = extract_article(body, res.final_url, res.headers, settings=config.crawler)
        if not extracted.text:
            why = f"no article text in the page ({res.content_type or 'unknown type'})"
    else:
        why = res.detail or res.error
    text = extracted.text if extracted else ""
    vals: dict[str, Any] = {}
    if extracted:
        vals.update(author=row["author"] or extracted.author, site_name=extracted.site_name)
        if not row["title"] and extracted.title:
            vals["title"] = extracted.title
        if not row["published_at"] and extracted.published:
            vals["published_at"] = extracted.published
    if len(text) >= config.crawler.min_text_chars:
        vals["extraction"] = "page"
    elif row["feed_summary"]:
        text, vals["extraction"] = row["feed_summary"], "feed_summary"
    elif text:
        vals["extraction"] = "page"
    else:
        return ERROR, vals, why or "no text"
    vals = sanitised({**vals, "text": text}, "fetched page", row["url"])
    text = vals["text"]
    declared = (extracted.declared_lang if extracted else None) or row["lang"]
    lang, conf = detect_language(text, declared, config.crawler)
    vals.update(lang=lang, lang_confidence=conf, content_hash=text_hash(text))
    if vals["extraction"] == "feed_summary":
        vals["last_error"] = f"page not used: {why or 'text too short'}"
    return DONE, vals, None


async def fetch_pages(
    engine: Engine,
    config: Config,
    fetcher: Fetcher,
    *,
    executor: Executor | None = None,
    stopping: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Fetch and extract every pending page, a batch of claims at a time.

    Extraction runs in `executor` (the default thread pool without one). `stopping()` true
    means claim no more batches. Rows claimed but not finished — cancelled, or the batch
    failed — are released on the way out, so a clean stop hands them back at once (a
    kill -9 leaves them to the lease, `fetch_lease_s`).
    """
    counts = {"done": 0, "error": 0}
    lease = timedelta(seconds=config.crawler.fetch_lease_s)
    loop = asyncio.get_running_loop()

    async def one(row: dict[str, Any], unfinished: set[int], token: str) -> None:
        res = await fetcher.fetch(row["url"], accept="text/html,application/xhtml+xml")
        status, vals, error = await loop.run_in_executor(executor, _page_outcome, row, res, config)
        try:
            with engine.begin() as conn:
                finish(conn, row["id"], "fetch", status, token=token, error=error, values=vals)
                record_outcome(conn, row["source_id"], res)
                if status == DONE:
                    merge_duplicate_text(conn, row["id"], vals["content_hash"])
                    notify_work(conn, "nlp")
        except ClaimLost:
            logger.info("article %s: fetch lease expired; another crawler fetched it", row["id"])
        unfinished.discard(row["id"])
        counts["done" if status == DONE else "error"] += 1

    while not (stopping and stopping()):
        ids = claim(engine, "fetch", PAGE_BATCH, lease=lease)
        if not ids:
            break
        unfinished = set(ids)
        try:
            with engine.connect() as conn:
                rows = [
                    dict(r._mapping)
                    for r in conn.execute(select(articles).where(articles.c.id.in_(ids)))
                ]
            await asyncio.gather(*(one(r, unfinished, ids.token) for r in rows))
        finally:
            if unfinished:
                release(engine, unfinished, "fetch", ids.token)
    return counts


async def crawl_async(
    engine: Engine, config: Config, *, transport: Any = None, executor: Executor | None = None
) -> dict[str, Any]:
    async with Fetcher(config.crawler, transport=transport, shared=shared_hosts(engine)) as fetcher:
        due = due_sources(engine, config, utcnow())
        results = await asyncio.gather(*(poll_source(engine, config, fetcher, s) for s in due))
        pages = await fetch_pages(engine, config, fetcher, executor=executor)
    return {
        "sources": len(results),
        "new": sum(r.get("new", 0) for r in results),
        "errors": sum(1 for r in results if r.get("error")),
        "pages": pages,
    }


def shared_hosts(engine: Engine) -> SharedHosts | None:
    """Store-shared politeness where several crawlers may run (PostgreSQL); on SQLite there
    is one process and its own politeness is all of it."""
    return SharedHosts(engine) if engine.dialect.name == "postgresql" else None


def crawl_once(engine: Engine, config: Config, *, transport: Any = None) -> dict[str, Any]:
    return run_sync(crawl_async(engine, config, transport=transport))


__all__ = [
    "crawl_async",
    "crawl_once",
    "due_sources",
    "fetch_pages",
    "poll_source",
    "shared_hosts",
]
