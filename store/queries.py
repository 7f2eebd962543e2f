"""Read and small write queries the review UI, the CLI and the drafts share.

Kept in one place so the web layer never holds SQL of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    delete,
    distinct,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from core.errors import Conflict, InvalidInput, NotFound
from store.db import utcnow
from store.schema import (
    analyses,
    articles,
    audit_log,
    sources,
    stories,
    story_members,
    story_views,
    tombstones,
    users,
)
from store.stories import refresh_story
from store.takes import lens_info, outlet_name, shown_lens, with_lens_inputs

SORTS = ("recency", "sources", "regions")

_region = func.coalesce(articles.c.region, sources.c.country, "Global")


def _member_join():
    return story_members.join(articles, articles.c.id == story_members.c.article_id).outerjoin(
        sources, sources.c.id == articles.c.source_id
    )


def _filters(
    status: str | None,
    lens: str | None,
    region: str | None,
    lang: str | None,
    since: datetime | None,
    until: datetime | None,
    min_confidence: float,
) -> list:
    conds: list = [stories.c.status != "merged"]
    if status:
        conds.append(stories.c.status == status)
    if since:
        conds.append(stories.c.last_article_at >= since)
    if until:
        conds.append(stories.c.first_seen_at <= until)
    if region:
        conds.append(
            exists(
                select(1)
                .select_from(_member_join())
                .where(story_members.c.story_id == stories.c.id, _region == region)
            )
        )
    if lang:
        conds.append(
            exists(
                select(1)
                .select_from(_member_join())
                .where(story_members.c.story_id == stories.c.id, articles.c.lang == lang)
            )
        )
    if lens:  # the take's lens by the one rule (store/takes.py), as the draft shows it
        conds.append(
            exists(
                select(1)
                .select_from(with_lens_inputs(_member_join()))
                .where(
                    story_members.c.story_id == stories.c.id,
                    shown_lens(min_confidence).lens == lens,
                )
            )
        )
    return conds


def _regions_count():
    return (
        select(func.count(distinct(_region)))
        .select_from(_member_join())
        .where(story_members.c.story_id == stories.c.id)
        .scalar_subquery()
    )


def list_stories(
    engine: Engine,
    *,
    status: str | None = None,
    lens: str | None = None,
    region: str | None = None,
    lang: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: str = "recency",
    user_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    min_confidence: float,
) -> list[dict[str, Any]]:
    """One page of the story queue, with per-story regions, lenses, languages and new takes.

    `min_confidence` is [lenses] min_confidence: the lens filter and each story's lenses
    follow the one lens rule (store/takes.py), as the drafts do.
    """
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    conds = _filters(status, lens, region, lang, since, until, min_confidence)
    order = {
        "recency": (stories.c.last_article_at.desc().nulls_last(), stories.c.id.desc()),
        "sources": (stories.c.n_sources.desc(), stories.c.last_article_at.desc().nulls_last()),
        "regions": (_regions_count().desc(), stories.c.last_article_at.desc().nulls_last()),
    }[sort]
    q = select(stories).where(and_(*conds)).order_by(*order).limit(limit).offset(offset)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
        _decorate(conn, rows, user_id)
        _decorate_lenses(conn, rows, min_confidence)
    return rows


def count_stories(
    engine: Engine,
    *,
    status: str | None = None,
    lens: str | None = None,
    region: str | None = None,
    lang: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_confidence: float,
    **_: Any,
) -> int:
    conds = _filters(status, lens, region, lang, since, until, min_confidence)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(stories).where(*conds)).scalar_one()


def _decorate(conn: Connection, rows: list[dict[str, Any]], user_id: int | None) -> None:
    """Add regions, langs and new-take counts to story rows."""
    if not rows:
        return
    ids = [r["id"] for r in rows]
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r.update(regions=set(), langs=set(), new_takes=0)
    q = (
        select(story_members.c.story_id, _region.label("region"), articles.c.lang)
        .select_from(_member_join())
        .where(story_members.c.story_id.in_(ids))
    )
    for sid, region, lang in conn.execute(q):
        r = by_id[sid]
        r["regions"].add(region)
        if lang:
            r["langs"].add(lang)
    if user_id is not None:
        for sid, n in _new_takes(conn, user_id, ids).items():
            by_id[sid]["new_takes"] = n
    for r in rows:
        r["n_regions"] = len(r["regions"])
        for k in ("regions", "langs"):
            r[k] = sorted(r[k])


def _decorate_lenses(conn: Connection, rows: list[dict[str, Any]], min_confidence: float) -> None:
    """Add each story's take lenses, by the one lens rule."""
    if not rows:
        return
    by_id = {r["id"]: r for r in rows}
    lenses: dict[int, set[str]] = {sid: set() for sid in by_id}
    q = (
        select(story_members.c.story_id, shown_lens(min_confidence).lens)
        .select_from(with_lens_inputs(_member_join()))
        .where(story_members.c.story_id.in_(list(by_id)))
    )
    for sid, lens in conn.execute(q):
        lenses[sid].add(lens)
    for sid, r in by_id.items():
        r["lenses"] = sorted(lenses[sid])


def _new_takes(conn: Connection, user_id: int, story_ids: list[int]) -> dict[int, int]:
    seen = story_views.c.seen_at
    q = (
        select(story_members.c.story_id, func.count())
        .select_from(
            story_members.outerjoin(
                story_views,
                and_(
                    story_views.c.story_id == story_members.c.story_id,
                    story_views.c.user_id == user_id,
                ),
            )
        )
        .where(
            story_members.c.story_id.in_(story_ids),
            or_(seen.is_(None), story_members.c.assigned_at > seen),
        )
        .group_by(story_members.c.story_id)
    )
    return {sid: n for sid, n in conn.execute(q)}


def new_takes_counts(engine: Engine, user_id: int, story_ids: list[int]) -> dict[int, int]:
    """Takes assigned to each story since `user_id` last opened it (all of them if never)."""
    if not story_ids:
        return {}
    with engine.connect() as conn:
        return _new_takes(conn, user_id, story_ids)


def get_story(engine: Engine, story_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(stories).where(stories.c.id == story_id)).first()
        if row is None:
            return None
        out = [dict(row._mapping)]
        _decorate(conn, out, None)
    return out[0]


def get_story_by_slug(engine: Engine, slug: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        sid = conn.execute(select(stories.c.id).where(stories.c.slug == slug)).scalar()
    return get_story(engine, sid) if sid is not None else None


def story_articles(engine: Engine, story_id: int, *, min_confidence: float) -> list[dict[str, Any]]:
    """Member articles in publication order, with outlet, region and lens provenance (the
    one lens rule of store/takes.py, under [lenses] min_confidence)."""
    rule = shown_lens(min_confidence)
    q = (
        select(
            articles,
            sources.c.name.label("source"),
            outlet_name().label("outlet"),
            sources.c.country.label("source_country"),
            sources.c.default_lens,
            story_members.c.assigned_by,
            story_members.c.assigned_at,
            story_members.c.score,
            *rule.columns(),
        )
        .select_from(with_lens_inputs(_member_join()))
        .where(story_members.c.story_id == story_id)
        .order_by(articles.c.published_at.asc().nulls_last(), articles.c.id)
    )
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for r in rows:
        r["outlet"] = r["outlet"] or "Unknown"
        r["region"] = r["region"] or r["source_country"] or "Global"
        r["lens"] = lens_info(r)
        for k in ("lens_provenance", "lens_confidence", "lens_model_version"):
            r.pop(k)
    return rows


def search_articles(engine: Engine, q: str, limit: int = 50) -> list[dict[str, Any]]:
    """Articles whose title, text or an entity contains `q` (case-insensitive)."""
    q = q.strip()
    if not q:
        return []
    pat = f"%{q.lower()}%"
    entity_hit = exists(
        select(1).where(
            analyses.c.article_id == articles.c.id,
            func.lower(func.cast(analyses.c.data, articles.c.text.type)).like(pat),
        )
    )
    stmt = (
        select(
            articles.c.id,
            articles.c.title,
            articles.c.url,
            articles.c.published_at,
            outlet_name().label("outlet"),
            story_members.c.story_id,
            stories.c.slug,
            case((func.lower(articles.c.title).like(pat), 0), else_=1).label("rank"),
        )
        .select_from(
            articles.outerjoin(sources, sources.c.id == articles.c.source_id)
            .outerjoin(story_members, story_members.c.article_id == articles.c.id)
            .outerjoin(stories, stories.c.id == story_members.c.story_id)
        )
        .where(
            or_(
                func.lower(articles.c.title).like(pat),
                func.lower(articles.c.text).like(pat),
                entity_hit,
            )
        )
        .order_by("rank", articles.c.published_at.desc().nulls_last())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def list_sources(engine: Engine) -> list[dict[str, Any]]:
    n = (
        select(func.count())
        .where(articles.c.source_id == sources.c.id)
        .scalar_subquery()
        .label("n_articles")
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(sources, n).order_by(sources.c.name))]


def get_source_by_name(engine: Engine, name: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(sources).where(sources.c.name == name)).first()
    return dict(row._mapping) if row else None


def add_source(engine: Engine, *, name: str, url: str, kind: str = "feed", **fields: Any) -> int:
    """Register a source from the CLI or the UI (origin "cli"); a taken name is a ValueError."""
    with engine.begin() as conn:
        if conn.execute(select(sources.c.id).where(sources.c.name == name)).first():
            raise Conflict(f"a source named {name!r} already exists")
        return conn.execute(
            insert(sources)
            .values(
                name=name,
                url=url,
                kind=kind,
                origin="cli",
                error_count=0,
                created_at=utcnow(),
                **fields,
            )
            .returning(sources.c.id)
        ).scalar_one()


def set_source_paused(
    engine: Engine, source_id: int, paused: bool, reason: str | None, user_id: int | None
) -> None:
    with engine.begin() as conn:
        vals: dict[str, Any] = {"paused": paused, "paused_reason": reason if paused else None}
        if not paused:
            vals.update(error_count=0, next_poll_at=None, disabled=False)
        found = conn.execute(update(sources).where(sources.c.id == source_id).values(**vals))
        if found.rowcount == 0:
            raise NotFound(f"no source with id {source_id}")
        audit(
            conn,
            user_id,
            "source.pause" if paused else "source.resume",
            "source",
            source_id,
            {"reason": reason},
        )


def audit(
    conn: Connection | Engine,
    user_id: int | None,
    action: str,
    target_type: str | None,
    target_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    stmt = insert(audit_log).values(
        user_id=user_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        created_at=utcnow(),
    )
    if isinstance(conn, Engine):
        with conn.begin() as c:
            c.execute(stmt)
    else:
        conn.execute(stmt)


def story_history(engine: Engine, story_id: int) -> list[dict[str, Any]]:
    q = (
        select(audit_log, users.c.username)
        .select_from(audit_log.outerjoin(users, users.c.id == audit_log.c.user_id))
        .where(audit_log.c.target_type == "story", audit_log.c.target_id == story_id)
        .order_by(audit_log.c.id.desc())
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def mark_seen(
    engine: Engine, user_id: int, story_id: int, draft_version: int | None = None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(story_views).where(
                story_views.c.user_id == user_id, story_views.c.story_id == story_id
            )
        )
        conn.execute(
            insert(story_views).values(
                user_id=user_id, story_id=story_id, seen_at=utcnow(), draft_version=draft_version
            )
        )


def last_seen(conn: Connection | Engine, user_id: int, story_id: int) -> dict[str, Any] | None:
    """When `user_id` last opened the story; pass the caller's open connection when it holds
    one: on SQLite a second connection would wait on the first one's lock."""
    q = select(story_views).where(
        story_views.c.user_id == user_id, story_views.c.story_id == story_id
    )
    if isinstance(conn, Engine):
        with conn.connect() as c:
            row = c.execute(q).first()
    else:
        row = conn.execute(q).first()
    return dict(row._mapping) if row else None


def tombstone_article(engine: Engine, article_id: int, reason: str, user_id: int | None) -> None:
    """Delete an article for good: its URL and GUID are remembered so feeds can't bring it back."""
    with engine.begin() as conn:
        row = conn.execute(
            select(articles.c.canonical_url, articles.c.guid).where(articles.c.id == article_id)
        ).first()
        if row is None:
            raise NotFound(f"no article with id {article_id}")
        sid = conn.execute(
            select(story_members.c.story_id).where(story_members.c.article_id == article_id)
        ).scalar()
        now = utcnow()
        for key in [row.canonical_url] + ([f"guid:{row.guid}"] if row.guid else []):
            conn.execute(
                insert(tombstones).values(key=key, reason=reason, user_id=user_id, created_at=now)
            )
        conn.execute(delete(articles).where(articles.c.id == article_id))
        if sid is not None:
            refresh_story(conn, sid)
            audit(conn, user_id, "article.delete", "story", sid, {"article_id": article_id})
