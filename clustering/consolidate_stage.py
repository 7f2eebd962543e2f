"""Consolidation over stored stories: the clustering stage's periodic merge/split pass.

clustering/consolidate.py decides; this module writes the decisions to the store in the
caller's transaction: memberships moved, the absorbed story left as a "merged" pointer
(like an editor merge, so its old links still resolve), clusterer states and counts
refreshed, drafts marked for a rebuild, and each change in the audit log with its reason
(shown on the story's history) and in the structured log.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, union

from clustering.consolidate import Change, consolidate
from clustering.state import ArticleFeatures
from clustering.stored import load_clusterer, member_features
from clustering.streaming import StreamingClusterer
from core.config import Config
from store.db import utcnow
from store.locks import CLUSTER, StoreBusy, writer_lock
from store.queries import audit
from store.schema import draft_edits, stories, story_members
from store.stories import assign, bump_cluster_epoch, create_story, merge_story, refresh_story

logger = logging.getLogger(__name__)


def editor_shaped(conn: Connection, story_ids: set) -> set[int]:
    """Stories an editor has decided on: a member an editor placed, an edited or approved
    draft, or an approved story. Consolidation leaves these to editors."""
    if not story_ids:
        return set()
    ids = [int(s) for s in story_ids]
    q = union(
        select(story_members.c.story_id).where(
            story_members.c.assigned_by == "editor", story_members.c.story_id.in_(ids)
        ),
        select(draft_edits.c.story_id).where(draft_edits.c.story_id.in_(ids)),
        select(stories.c.id).where(stories.c.status == "approved", stories.c.id.in_(ids)),
    )
    return {r[0] for r in conn.execute(q)}


def _record(conn: Connection, cl: StreamingClusterer, ch: Change) -> None:
    detail = {
        "score": round(ch.score, 4),
        "features": {k: round(v, 4) for k, v in ch.features.items()},
        "reason": ch.reason,
    }
    if ch.kind == "merge":
        moved = len(merge_story(conn, int(ch.story), int(ch.other), state=cl.state(ch.story)))
        audit(conn, None, "cluster.auto_merge", "story", ch.story, {"merged": ch.other, **detail})
        audit(
            conn, None, "cluster.auto_merged_into", "story", ch.other, {"into": ch.story, **detail}
        )
        logger.info(
            "stories merged",
            extra={"story": ch.story, "merged": ch.other, "articles": moved, **detail},
        )
        return
    for aid in ch.articles:
        assign(conn, int(aid), int(ch.other), by="algorithm")
    refresh_story(conn, ch.story, state=cl.state(ch.story))
    refresh_story(conn, ch.other, state=cl.state(ch.other))
    split = {"articles": [int(a) for a in ch.articles], **detail}
    audit(conn, None, "cluster.auto_split", "story", ch.story, {"new_story": ch.other, **split})
    audit(conn, None, "cluster.auto_split_from", "story", ch.other, {"from": ch.story, **split})
    logger.info(
        "story split",
        extra={"story": ch.story, "new_story": ch.other, "articles": len(ch.articles), **detail},
    )


def consolidate_stored(
    conn: Connection, cl: StreamingClusterer, touched: set, config: Config
) -> list[Change]:
    """One consolidation pass over the `touched` live stories and their neighbours."""
    model = config.clustering.model
    live = set(touched)
    for sid in touched:
        st = cl.stories.get(sid)
        if st is not None:
            live.update(cl.nearest_stories(st.centroid, config.clustering.merge_candidates))

    def new_story(part: list[ArticleFeatures]) -> int:
        first = min(part, key=lambda a: a.published)
        return create_story(conn, first.title, first.published)

    shaped = editor_shaped(conn, live)
    checked = set(live)

    def locked(sid: Hashable) -> bool:
        if sid not in checked:  # a neighbour met after a merge: look it up once
            checked.add(sid)
            shaped.update(editor_shaped(conn, {sid}))
        return sid in shaped

    return consolidate(
        cl,
        touched,
        apply=lambda ch: _record(conn, cl, ch),
        locked=locked,
        members=lambda sid: member_features(conn, sid, model, config.clustering.cross_model),
        new_story_id=new_story,
    )


def run_consolidate(engine: Engine, config: Config, now: datetime | None = None) -> dict:
    """A pass over every live story (the `consolidate` command; the stage itself only
    revisits the stories it touched), as the one clustering writer (store/locks.py)."""
    now = now or utcnow()
    with writer_lock(engine, CLUSTER, wait=config.workers.cluster_lock_wait_s) as got:
        if not got:
            raise StoreBusy(
                "another process is clustering (the one clustering writer) and did not "
                f"finish within {config.workers.cluster_lock_wait_s:g}s; try again"
            )
        since = now - timedelta(hours=config.clustering.window_hours)
        cl, _ = load_clusterer(engine, config, since)
        with engine.begin() as conn:
            changes = consolidate_stored(conn, cl, set(cl.stories), config)
            bump_cluster_epoch(conn)
    return {
        "stories": len(cl.stories),
        "merged": sum(1 for c in changes if c.kind == "merge"),
        "split": sum(1 for c in changes if c.kind == "split"),
    }
