"""`storyloom doctor`: find and repair inconsistent story state, as the one clustering writer.

What it repairs (each a state two writers without a lock could leave behind, or a crash
between two of their transactions):
- a merged story that still has members: they move to the story it was merged into
  (following the chain to a live story), whose clusterer state is rebuilt;
- a merged story pointing at another merged story: it points at the live end instead;
- draft versions written for a story after it was merged: removed (the live story has its
  own), and a merged story is never left waiting for a draft;
- a live story whose members are there but whose clusterer state is missing: rebuilt,
  so it takes part in clustering again;
- counts that disagree with the members: recomputed.
Workers and crawlers run it at start (`[workers] doctor_at_start`); `--check` only reports.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, select, update

from core.config import Config
from core.settings.clustering import ClusteringSettings
from store.locks import CLUSTER, StoreBusy, writer_lock
from store.queries import audit
from store.schema import audit_log, draft_versions, stories, story_members
from store.stories import bump_cluster_epoch, refresh_story

logger = logging.getLogger(__name__)

MERGED_ACTIONS = ("cluster.merged_into", "cluster.auto_merged_into")


def _live_end(pointers: dict[int, int | None], sid: int) -> int | None:
    """Follow merged_into from `sid` to a story that is not merged (None on a cycle)."""
    seen = {sid}
    while (nxt := pointers.get(sid)) is not None:
        if nxt in seen:
            return None
        seen.add(nxt)
        sid = nxt
    return sid


def _merged(conn: Connection) -> dict[int, int | None]:
    rows = conn.execute(
        select(stories.c.id, stories.c.merged_into).where(stories.c.status == "merged")
    )
    return {sid: into for sid, into in rows}


def find_problems(conn: Connection) -> dict[str, list[int]]:
    """Story ids per kind of inconsistency (nothing changed)."""
    merged = _merged(conn)
    with_members = {
        r[0]
        for r in conn.execute(
            select(story_members.c.story_id)
            .where(story_members.c.story_id.in_(list(merged) or [-1]))
            .distinct()
        )
    }
    chained = [s for s, into in merged.items() if into in merged]
    merged_at = dict(
        conn.execute(
            select(audit_log.c.target_id, func.max(audit_log.c.created_at))
            .where(audit_log.c.action.in_(MERGED_ACTIONS), audit_log.c.target_type == "story")
            .group_by(audit_log.c.target_id)
        ).all()
    )
    late_drafts = sorted(
        {
            r[0]
            for r in conn.execute(
                select(draft_versions.c.story_id, draft_versions.c.created_at).where(
                    draft_versions.c.story_id.in_(list(merged_at) or [-1])
                )
            )
            if r[0] in merged and r[1] > merged_at[r[0]]
        }
    )
    counts = (
        select(story_members.c.story_id, func.count().label("n"))
        .group_by(story_members.c.story_id)
        .subquery()
    )
    live = stories.c.status != "merged"
    stateless = [
        r[0]
        for r in conn.execute(
            select(stories.c.id)
            .select_from(stories.join(counts, counts.c.story_id == stories.c.id))
            .where(live, stories.c.state.is_(None))
        )
    ]
    miscounted = [
        r[0]
        for r in conn.execute(
            select(stories.c.id)
            .select_from(stories.outerjoin(counts, counts.c.story_id == stories.c.id))
            .where(stories.c.n_articles != func.coalesce(counts.c.n, 0))
        )
    ]
    dirty_merged = [
        r[0]
        for r in conn.execute(select(stories.c.id).where(and_(~live, stories.c.dirty.is_(True))))
    ]
    return {
        "merged_with_members": sorted(with_members),
        "merged_into_merged": sorted(chained),
        "drafts_after_merge": late_drafts,
        "live_without_state": sorted(stateless),
        "miscounted": sorted(miscounted),
        "merged_marked_dirty": sorted(dirty_merged),
    }


def _repair(conn: Connection, found: dict[str, list[int]], settings: ClusteringSettings) -> None:
    from clustering.stored import rebuild_state  # spaCy's stop words: only when repairing

    merged = _merged(conn)
    rebuild: set[int] = set(found["live_without_state"])
    for sid in found["merged_into_merged"]:
        end = _live_end(merged, sid)
        if end is not None:
            conn.execute(update(stories).where(stories.c.id == sid).values(merged_into=end))
    for sid in found["merged_with_members"]:
        end = _live_end(merged, sid)
        if end is None:  # a cycle of merged stories: revive this one with its members
            conn.execute(
                update(stories).where(stories.c.id == sid).values(status="open", merged_into=None)
            )
            rebuild.add(sid)
            continue
        conn.execute(
            update(story_members).where(story_members.c.story_id == sid).values(story_id=end)
        )
        rebuild.add(end)
        audit(conn, None, "doctor.moved_members", "story", end, {"from": sid})
    if found["drafts_after_merge"]:
        merged_at = dict(
            conn.execute(
                select(audit_log.c.target_id, func.max(audit_log.c.created_at))
                .where(
                    audit_log.c.action.in_(MERGED_ACTIONS),
                    audit_log.c.target_id.in_(found["drafts_after_merge"]),
                )
                .group_by(audit_log.c.target_id)
            ).all()
        )
        for sid, at in merged_at.items():
            conn.execute(
                delete(draft_versions).where(
                    draft_versions.c.story_id == sid, draft_versions.c.created_at > at
                )
            )
    for sid in sorted(rebuild):
        rebuild_state(conn, sid, settings)
    for sid in sorted(rebuild | set(found["miscounted"]) | set(found["merged_with_members"])):
        refresh_story(conn, sid)
    conn.execute(update(stories).where(stories.c.status == "merged").values(dirty=False))
    bump_cluster_epoch(conn)


def run_doctor(engine: Engine, config: Config, *, repair: bool = True) -> dict[str, Any]:
    """Find (and, with `repair`, fix) inconsistent story state; returns ids per problem."""
    wait = config.workers.cluster_lock_wait_s
    with writer_lock(engine, CLUSTER, wait=wait) as got:
        if not got:
            raise StoreBusy(f"the clustering writer stayed busy for {wait:g}s; run doctor again")
        with engine.begin() as conn:
            found = find_problems(conn)
            n = sum(len(v) for v in found.values())
            if n and repair:
                _repair(conn, found, config.clustering)
    if n:
        logger.warning(
            "doctor found inconsistent state" + ("; repaired" if repair else ""),
            extra={k: v for k, v in found.items() if v},
        )
    return {"problems": n, "repaired": bool(n and repair), **found}


__all__ = ["find_problems", "run_doctor"]
