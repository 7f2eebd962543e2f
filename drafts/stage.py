"""The drafts stage and the service functions the review UI and the CLI call.

run_drafts rebuilds every dirty story with enough outlets; a new draft_versions row is written
only when the generated content changed, so versions mean something to an editor. Editors'
fields live in draft_edits and are laid over the generated draft on every read.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from clustering.stored import story_centroids
from core.errors import InvalidInput, NotFound
from core.progress import progress as track
from drafts.build import build_draft
from drafts.edits import EditError, normalise_value, overlay
from drafts.embed import Encoder, encoder_for
from drafts.model import EDITABLE_FIELDS
from drafts.render import render_json, render_markdown
from drafts.timeline import story_timeline
from drafts.vectors import member_encoder
from store.claims import ClaimLost, claim_where, finish_claim, lease_of
from store.db import utcnow
from store.queries import audit, last_seen, story_articles
from store.schema import (
    analyses,
    draft_edits,
    draft_versions,
    stories,
    story_members,
)

logger = logging.getLogger(__name__)

__all__ = [
    "EDITABLE_FIELDS",
    "EditError",
    "approve_story",
    "current_draft",
    "draft_pending",
    "export_stories",
    "redraft_story",
    "render_json",
    "render_markdown",
    "reopen_story",
    "run_drafts",
    "save_edit",
]
FORMATS = ("md", "json")
_VOLATILE = ("version", "edited", "new_since_last_look")


def _content(draft: dict[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in draft.items() if k not in _VOLATILE}, sort_keys=True, default=str
    )


def _latest(conn: Connection, story_id: int) -> tuple[int, dict[str, Any]] | None:
    row = conn.execute(
        select(draft_versions.c.version, draft_versions.c.data)
        .where(draft_versions.c.story_id == story_id)
        .order_by(draft_versions.c.version.desc())
        .limit(1)
    ).first()
    return (row.version, row.data) if row else None


def _entity_keys(draft: dict[str, Any] | None) -> set[str]:
    return {e["text"].lower() for e in (draft or {}).get("entities") or []}


def _related(
    conn: Connection, story: dict[str, Any], keys: set[str], config: Any
) -> list[dict[str, Any]]:
    """Nearby stories: best of centroid cosine (clusterer state) and entity overlap (Jaccard)."""
    s = config.drafts
    if s.related_max == 0:
        return []
    latest = (
        select(draft_versions.c.story_id, func.max(draft_versions.c.version).label("v"))
        .group_by(draft_versions.c.story_id)
        .subquery()
    )
    q = (
        select(stories.c.id, stories.c.slug, stories.c.title, draft_versions.c.data)
        .select_from(
            stories.outerjoin(latest, latest.c.story_id == stories.c.id).outerjoin(
                draft_versions,
                and_(
                    draft_versions.c.story_id == stories.c.id,
                    draft_versions.c.version == latest.c.v,
                ),
            )
        )
        .where(stories.c.id != story["id"], stories.c.status != "merged")
        .order_by(stories.c.last_article_at.desc().nulls_last())
        .limit(s.related_candidates)
    )
    rows = conn.execute(q).all()
    centroids = story_centroids(conn, [story["id"], *(r.id for r in rows)])
    mine_v = centroids.get(story["id"])
    scored = []
    for row in rows:
        score = 0.0
        other = _entity_keys(row.data)
        if keys and other:
            score = len(keys & other) / len(keys | other)
        v = centroids.get(row.id)
        if mine_v is not None and v is not None and len(v) == len(mine_v):
            denom = float(np.linalg.norm(v) * np.linalg.norm(mine_v)) or 1.0
            score = max(score, float(v @ mine_v) / denom)
        if score >= s.related_min_score:
            title = (row.data or {}).get("headline") or row.title
            scored.append((-score, row.slug, {"slug": row.slug, "title": title}))
    scored.sort(key=lambda x: (x[0], x[1]))
    return [x[2] for x in scored[: s.related_max]]


def _generate(
    engine: Engine, config: Any, story: dict[str, Any], encode: Encoder
) -> dict[str, Any]:
    members = story_articles(engine, story["id"], min_confidence=config.lenses.min_confidence)
    ids = [m["id"] for m in members]
    with engine.connect() as conn:
        data = (
            {
                r.article_id: r.data
                for r in conn.execute(
                    select(analyses.c.article_id, analyses.c.data).where(
                        analyses.c.article_id.in_(ids)
                    )
                )
            }
            if ids
            else {}
        )
    regions = sorted({src.country for src in config.sources if src.country})
    kwargs = dict(settings=config.drafts, taxonomy=config.lenses.taxonomy, regions=regions)
    encode = member_encoder(engine, config, members, data, encode)
    draft = build_draft(story, members, data, encode=encode, **kwargs)
    with engine.connect() as conn:
        related = _related(conn, story, _entity_keys(draft), config)
    draft["related"] = related
    return dict(draft)


def _story(conn: Connection, story_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(stories).where(stories.c.id == story_id)).first()
    return dict(row._mapping) if row else None


def redraft_story(
    engine: Engine,
    config: Any,
    story_id: int,
    *,
    encode: Encoder | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """Rebuild one story's draft now; a new version only when the content changed.

    The draft is built from the story as it is at the start (its `version`); the story stays
    dirty when it changed meanwhile, so it is rebuilt again, and a story merged meanwhile
    gets no draft. `token` is the drafts claim (run_drafts): with it the write happens only
    while the claim is still this worker's. Version numbers are unique per story (schema).
    """
    with engine.connect() as conn:
        story = _story(conn, story_id)
    if story is None:
        raise NotFound(f"no story with id {story_id}")
    draft = _generate(engine, config, story, encode or encoder_for(config))
    with engine.begin() as conn:
        if token is not None:
            finish_claim(conn, "drafts", story_id, token)
        now_ = _story_for_update(conn, story_id)
        prev = _latest(conn, story_id)
        version = prev[0] if prev else 0
        if now_["status"] == "merged":
            logger.info("story %s was merged while its draft was built; not stored", story_id)
        elif not (prev and _content(prev[1]) == _content(draft)):
            version += 1
            draft["version"] = version
            conn.execute(
                insert(draft_versions).values(
                    story_id=story_id, version=version, data=draft, created_at=utcnow()
                )
            )
            logger.info("story %s: draft version %d", story_id, version)
        if now_["version"] == story["version"] or now_["status"] == "merged":
            conn.execute(update(stories).where(stories.c.id == story_id).values(dirty=False))
    draft["version"] = version
    return draft


def _story_for_update(conn: Connection, story_id: int) -> dict[str, Any]:
    """The story's status and version now, locked until commit (PostgreSQL), so a merge or
    a new article waits for this draft's write instead of slipping between its checks."""
    q = select(stories.c.status, stories.c.version).where(stories.c.id == story_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return dict(conn.execute(q).one()._mapping)


def run_drafts(engine: Engine, config: Any, *, encode: Encoder | None = None) -> int:
    """Redraft every dirty story with at least min_sources outlets; returns stories redrafted.

    Stories are claimed (store/claims.py), so N workers draft each story once. A dirty story
    below the threshold is only marked clean: a new article marks it dirty again.
    """
    lease = lease_of(config.workers, "drafts")
    conds = [stories.c.dirty.is_(True), stories.c.status != "merged"]
    done = 0
    batch = config.workers.claim_batch
    while mine := claim_where(engine, "drafts", stories, conds, limit=batch, lease=lease):
        for sid in mine:
            try:
                done += _draft_claimed(engine, config, sid, mine.token, encode)
            except ClaimLost:
                logger.info("story %s: drafts claim expired; another worker drafts it", sid)
            except Exception:  # one bad story must not stop the others; it stays dirty and
                # claimed, so it is tried again after the lease, not in a hot loop
                logger.exception("story %s: draft failed", sid)
    return done


def _draft_claimed(
    engine: Engine, config: Any, sid: int, token: str, encode: Encoder | None
) -> int:
    with engine.connect() as conn:
        n_sources = conn.execute(select(stories.c.n_sources).where(stories.c.id == sid)).scalar()
    if (n_sources or 0) < config.drafts.min_sources:
        with engine.begin() as conn:
            finish_claim(conn, "drafts", sid, token)
            conn.execute(
                update(stories)
                .where(stories.c.id == sid, stories.c.n_sources < config.drafts.min_sources)
                .values(dirty=False)
            )
        return 0
    redraft_story(engine, config, sid, encode=encode or encoder_for(config), token=token)
    return 1


def _new_since(
    conn: Connection, draft: dict[str, Any], story_id: int, seen: dict[str, Any] | None
) -> dict[str, list]:
    """Takes of articles that joined after the user's last look, and figures that were not
    in the draft version they saw; everything when they never looked."""
    take_ids = [it["article_id"] for g in draft["takes"] for it in g["items"]]
    displays = [x["display"] for x in draft["numbers"]]
    if seen is None:
        return {"takes": take_ids, "numbers": displays}
    added = {
        aid
        for aid, at in conn.execute(
            select(story_members.c.article_id, story_members.c.assigned_at).where(
                story_members.c.story_id == story_id
            )
        )
        if at is not None and at > seen["seen_at"]
    }
    q = select(draft_versions.c.data).where(draft_versions.c.story_id == story_id)
    if seen.get("draft_version"):
        q = q.where(draft_versions.c.version == seen["draft_version"])
    else:
        q = q.where(draft_versions.c.created_at <= seen["seen_at"])
    old = conn.execute(q.order_by(draft_versions.c.version.desc()).limit(1)).scalar()
    old_displays = {x["display"] for x in (old or {}).get("numbers") or []}
    return {
        "takes": [a for a in take_ids if a in added],
        "numbers": [d for d in displays if old is None or d not in old_displays],
    }


def current_draft(
    engine: Engine, config: Any, story_id: int, user_id: int | None = None
) -> dict[str, Any] | None:
    """The latest generated draft with editors' fields laid over it; None for no such story
    or one not drafted yet.

    A read never writes: it does not build a missing draft (that would load the sentence
    encoder inside the web process). A story without one is already queued for the drafts
    stage (`dirty`); pages show it as "drafting…" (`draft_pending`).
    """
    with engine.connect() as conn:
        latest = _latest(conn, story_id)
    if latest is None:
        return None
    version, data = latest
    # Read before opening the connection below: SQLite transactions here take the write
    # lock (BEGIN IMMEDIATE), so a second connection inside one would wait on it.
    seen = last_seen(engine, user_id, story_id) if user_id is not None else None
    with engine.connect() as conn:
        edits = [
            dict(r._mapping)
            for r in conn.execute(
                select(draft_edits)
                .where(draft_edits.c.story_id == story_id)
                .order_by(draft_edits.c.id)
            )
        ]
        draft = overlay({**data, "version": version}, edits)
        draft["new_since_last_look"] = _new_since(conn, draft, story_id, seen)
    draft["timeline"] = story_timeline(engine, story_id, config.review.timeline_buckets)
    return draft


def draft_pending(story: dict[str, Any], config: Any) -> bool:
    """True for a story with no draft that the drafts stage will build (dirty, with enough
    outlets): what a page shows as "drafting…"; false means it waits for more sources."""
    return (
        bool(story.get("dirty"))
        and story.get("status") != "merged"
        and int(story.get("n_sources") or 0) >= config.drafts.min_sources
    )


def save_edit(
    engine: Engine,
    story_id: int,
    field: str,
    value: Any,
    user_id: int | None,
    *,
    approve: bool = False,
) -> None:
    """Keep an editor's value for one field (replacing their earlier one) and audit it."""
    text = normalise_value(field, value)
    state = "approved" if approve else "edited"
    now = utcnow()
    with engine.begin() as conn:
        if _story(conn, story_id) is None:
            raise NotFound(f"no story with id {story_id}")
        found = conn.execute(
            update(draft_edits)
            .where(draft_edits.c.story_id == story_id, draft_edits.c.field == field)
            .values(value=text, state=state, user_id=user_id, updated_at=now)
        )
        if found.rowcount == 0:
            conn.execute(
                insert(draft_edits).values(
                    story_id=story_id,
                    field=field,
                    value=text,
                    state=state,
                    user_id=user_id,
                    updated_at=now,
                )
            )
        audit(conn, user_id, f"draft.{state}", "story", story_id, {"field": field})


def _set_status(engine: Engine, story_id: int, status: str, user_id: int | None) -> None:
    with engine.begin() as conn:
        found = conn.execute(
            update(stories)
            .where(stories.c.id == story_id, stories.c.status != "merged")
            .values(status=status, updated_at=utcnow())
        )
        if found.rowcount == 0:
            raise NotFound(f"no open or approved story with id {story_id}")
        audit(
            conn,
            user_id,
            f"story.{'approve' if status == 'approved' else 'reopen'}",
            "story",
            story_id,
        )


def approve_story(engine: Engine, story_id: int, user_id: int | None) -> None:
    _set_status(engine, story_id, "approved", user_id)


def reopen_story(engine: Engine, story_id: int, user_id: int | None) -> None:
    _set_status(engine, story_id, "open", user_id)


def export_stories(
    engine: Engine,
    config: Any,
    *,
    status: str | None = "approved",
    since: datetime | None = None,
    fmt: str = "md",
    out_dir: str | Path,
    progress: bool = False,
) -> list[Path]:
    """Write one file per story (named by its slug) with the editor's version of the draft."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    q = (
        select(stories.c.id, stories.c.slug)
        .where(stories.c.status != "merged")
        .order_by(stories.c.id)
    )
    if status:
        q = q.where(stories.c.status == status)
    if since:
        q = q.where(stories.c.last_article_at >= since)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with track("exporting", total=len(rows), unit="stories", enabled=progress) as bar:
        for sid, slug in rows:
            bar.advance()
            draft = current_draft(engine, config, sid)
            if draft is None:
                continue
            path = out / f"{slug}.{fmt}"
            path.write_text(
                render_markdown(draft) if fmt == "md" else render_json(draft), encoding="utf-8"
            )
            paths.append(path)
    logger.info("exported %d stories to %s", len(paths), out)
    return paths
