"""Writing articles and moving them through stages, safely for several workers.

An article is one canonical URL. Each stage claims pending rows with its own lease and
token (store/claims.py), works outside any transaction, then writes its result only if the
claim is still its own — so a crash leaves rows pending (resumed after the lease) and never
half-done, and a slow worker whose lease expired cannot overwrite the result of the one
that took over. Two crawlers inserting the same entry at once end with one row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from store.claims import Claim, ClaimLost, claim_where, finish_claim
from store.claims import release as release_claims
from store.db import insert_on_conflict, utcnow
from store.schema import (
    DONE,
    ERROR,
    PENDING,
    SKIPPED,
    article_urls,
    articles,
    sources,
    tombstones,
)

LEASE = timedelta(minutes=10)

# Which stages must be done (or skipped) before a stage may run.
PREREQUISITES: dict[str, tuple[str, ...]] = {
    "fetch": (),
    "nlp": ("fetch",),
    "embed": ("fetch",),
    "cluster": ("nlp", "embed"),
}


def text_hash(*parts: str | None) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update((p or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def status_col(stage: str):
    return articles.c[f"{stage}_status"]


def claim(
    engine: Engine,
    stage: str,
    limit: int,
    *,
    now: datetime | None = None,
    order_by_published: bool = False,
    lease: timedelta = LEASE,
    where: Sequence[Any] = (),
) -> Claim:
    """Lease up to `limit` pending articles whose earlier stages are finished.

    Each stage has its own lease (store/claims.py): NLP and embeddings of one article may
    run at once on two workers. `lease` is how long a claim blocks other workers; a stage
    whose unit of work is short (one page fetch) passes a shorter one so rows of a killed
    worker come back sooner. `where` adds a stage's own conditions. The returned list
    carries the claim's token for `finish`.
    """
    conds = [status_col(stage) == PENDING, *where]
    for pre in PREREQUISITES[stage]:
        conds.append(status_col(pre).in_((DONE, SKIPPED)))
    order = (
        (articles.c.published_at.asc().nulls_last(), articles.c.id)
        if order_by_published
        else (articles.c.id,)
    )
    got = claim_where(
        engine, stage, articles, conds, limit=limit, lease=lease, order_by=order, now=now
    )
    return got if order_by_published else Claim(sorted(got), got.token)


def finish(
    conn: Connection,
    article_id: int,
    stage: str,
    status: str = DONE,
    *,
    token: str,
    error: str | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    """Record a stage's outcome; an error is kept on the article for the operator.

    Raises ClaimLost (rolling back the caller's transaction) when `token` no longer holds
    the article's claim in `stage`: another worker redid it after this one's lease expired.
    """
    finish_claim(conn, stage, article_id, token)
    vals: dict[str, Any] = {f"{stage}_status": status, "updated_at": utcnow()}
    if status == ERROR:
        vals.update(error_stage=stage, last_error=error, attempts=articles.c.attempts + 1)
    if values:
        vals.update(values)
    conn.execute(update(articles).where(articles.c.id == article_id).values(**vals))


def finish_many(
    conn: Connection, article_ids: Sequence[int], stage: str, status: str = DONE, *, token: str
) -> None:
    """finish() for many articles with one outcome, in two statements instead of two per
    article (each a round trip on PostgreSQL). ClaimLost, as finish, if any claim is gone."""
    ids = list(article_ids)
    if not ids:
        return
    finish_claim(conn, stage, ids, token)
    conn.execute(
        update(articles)
        .where(articles.c.id.in_(ids))
        .values({f"{stage}_status": status, "updated_at": utcnow()})
    )


def release(engine: Engine, article_ids: Iterable[int], stage: str, token: str) -> int:
    """Hand back claimed rows a stopping worker will not finish, at once (not after the
    lease). A result written meanwhile is kept: finishing already ended its claim."""
    return release_claims(engine, stage, article_ids, token)


def reset_stages(conn: Connection, article_ids: Iterable[int], stages: Sequence[str]) -> None:
    """Send articles back through later stages, e.g. when their text changed."""
    ids = list(article_ids)
    if ids:
        conn.execute(
            update(articles)
            .where(articles.c.id.in_(ids))
            .values({f"{s}_status": PENDING for s in stages})
        )


def is_tombstoned(conn: Connection, canonical: str, guid: str | None) -> bool:
    keys = [canonical] + ([f"guid:{guid}"] if guid else [])
    return (
        conn.execute(select(tombstones.c.id).where(tombstones.c.key.in_(keys))).first() is not None
    )


def upsert_article(
    conn: Connection,
    *,
    url: str,
    canonical: str,
    guid: str | None = None,
    source_id: int | None = None,
    **fields: Any,
) -> tuple[int | None, bool]:
    """Insert an article unless its canonical URL, another URL or its GUID is known.

    Returns (article id, created). A tombstoned URL or GUID returns (None, False): an entry an
    editor deleted stays gone when the feed lists it again.
    """
    if is_tombstoned(conn, canonical, guid):
        return None, False
    row = conn.execute(select(articles.c.id).where(articles.c.canonical_url == canonical)).first()
    if row is None:
        row = conn.execute(
            select(article_urls.c.article_id).where(article_urls.c.url == canonical)
        ).first()
    if row is None and guid:
        # GUIDs are unique within a feed, not across feeds.
        q = select(articles.c.id).where(articles.c.guid == guid)
        if source_id is not None:
            q = q.where(articles.c.source_id == source_id)
        row = conn.execute(q).first()
    if row is not None:
        aid = row[0]
        _remember_url(conn, aid, canonical, source_id)
        return aid, False
    now = utcnow()
    values = {
        "canonical_url": canonical,
        "url": url,
        "guid": guid,
        "source_id": source_id,
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    # Another crawler may insert the same URL at this moment: the loser finds the winner's row.
    aid = conn.execute(
        insert_on_conflict(conn, articles)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[articles.c.canonical_url])
        .returning(articles.c.id)
    ).scalar()
    if aid is None:
        aid = conn.execute(
            select(articles.c.id).where(articles.c.canonical_url == canonical)
        ).scalar_one()
        return aid, False
    return aid, True


def _remember_url(conn: Connection, article_id: int, url: str, source_id: int | None) -> None:
    known = conn.execute(select(articles.c.id).where(articles.c.canonical_url == url)).first()
    if known is not None:
        return
    conn.execute(
        insert_on_conflict(conn, article_urls)
        .values(article_id=article_id, url=url, source_id=source_id)
        .on_conflict_do_nothing(index_elements=[article_urls.c.url])
    )


def merge_duplicate_text(conn: Connection, article_id: int, content_hash: str) -> int | None:
    """The same text at two URLs is one article: fold `article_id` into the older one.

    Returns the surviving id when a fold happened, else None.
    """
    other = conn.execute(
        select(articles.c.id, articles.c.canonical_url)
        .where(articles.c.content_hash == content_hash, articles.c.id != article_id)
        .order_by(articles.c.id)
        .limit(1)
    ).first()
    if other is None:
        return None
    me = conn.execute(
        select(articles.c.canonical_url, articles.c.source_id).where(articles.c.id == article_id)
    ).one()
    conn.execute(
        update(article_urls)
        .where(article_urls.c.article_id == article_id)
        .values(article_id=other.id)
    )
    conn.execute(articles.delete().where(articles.c.id == article_id))
    _remember_url(conn, other.id, me.canonical_url, me.source_id)
    return other.id


def sync_sources(conn: Connection, configured: Sequence[Any]) -> dict[str, int]:
    """Make the `sources` table hold every configured source; returns name → id.

    Fetch state of existing sources is kept; their settings follow config.toml.
    """
    now = utcnow()
    ids: dict[str, int] = {}
    for s in configured:
        vals = {
            "kind": s.kind,
            "url": s.url,
            "site_url": s.site_url,
            "country": s.country,
            "language": s.language,
            "default_lens": s.default_lens,
        }
        row = conn.execute(select(sources.c.id).where(sources.c.name == s.name)).first()
        if row is None:
            ids[s.name] = conn.execute(
                insert(sources)
                .values(name=s.name, origin="config", created_at=now, error_count=0, **vals)
                .returning(sources.c.id)
            ).scalar_one()
        else:
            conn.execute(update(sources).where(sources.c.id == row[0]).values(**vals))
            ids[s.name] = row[0]
    return ids


__all__ = [
    "Claim",
    "ClaimLost",
    "DONE",
    "ERROR",
    "PENDING",
    "SKIPPED",
    "claim",
    "finish",
    "merge_duplicate_text",
    "release",
    "reset_stages",
    "sync_sources",
    "text_hash",
    "upsert_article",
]
