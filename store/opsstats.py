"""What /metrics reports from the store: counts every process sees the same.

Each function is one or a few aggregate queries, cheap enough for a scrape every 15 s on a
store of millions of rows (they read indexed status columns or small tables).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, exists, func, select

from store.db import aware, utcnow
from store.schema import (
    DONE,
    PENDING,
    SKIPPED,
    STAGES,
    articles,
    draft_versions,
    fetch_outcomes,
    labels,
    lens_predictions,
    model_versions,
    sources,
    stories,
)

# Stages whose rows are articles with a status column, and what must be finished first.
_PREREQ = {"fetch": (), "nlp": ("fetch",), "embed": ("fetch",), "cluster": ("nlp", "embed")}


def _col(stage: str):
    return articles.c[f"{stage}_status"]


def _no_prediction():
    """Waiting for the lens stage: an active model, no prediction yet, and no editor label
    (which needs none). Without an active model the stage has nothing to do."""
    active = (
        select(model_versions.c.version)
        .where(model_versions.c.active.is_(True))
        .order_by(model_versions.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    predicted = select(1).where(
        lens_predictions.c.article_id == articles.c.id, lens_predictions.c.model_version == active
    )
    return and_(
        _col("fetch") == DONE,  # what models.predict.predict_missing takes
        exists(select(1).where(model_versions.c.active.is_(True))),
        ~exists(predicted),
        ~exists(select(1).where(labels.c.article_id == articles.c.id, labels.c.kind == "lens")),
    )


def article_status_counts(engine: Engine) -> dict[tuple[str, str], int]:
    """(stage, status) -> articles, for fetch/nlp/embed/cluster, and lens (done = predicted,
    pending = fetched, unlabelled, not yet predicted by the active model)."""
    out: dict[tuple[str, str], int] = {}
    with engine.connect() as conn:
        for stage in STAGES:
            q = select(_col(stage), func.count()).group_by(_col(stage))
            for status, n in conn.execute(q):
                out[(stage, status)] = n
        out[("lens", DONE)] = conn.execute(
            select(func.count()).select_from(lens_predictions)
        ).scalar_one()
        out[("lens", PENDING)] = conn.execute(
            select(func.count()).where(_no_prediction())
        ).scalar_one()
    return out


def queue_stats(engine: Engine, now: datetime | None = None) -> dict[str, tuple[int, float]]:
    """stage -> (rows it could claim now, age in seconds of the oldest of them)."""
    now = now or utcnow()
    out: dict[str, tuple[int, float]] = {}
    with engine.connect() as conn:
        for stage, pre in _PREREQ.items():
            conds = [_col(stage) == PENDING, *(_col(p).in_((DONE, SKIPPED)) for p in pre)]
            out[stage] = _depth(conn, articles.c.updated_at, and_(*conds), now)
        out["lens"] = _depth(conn, articles.c.updated_at, and_(_no_prediction()), now)
        dirty = and_(stories.c.dirty.is_(True), stories.c.status != "merged")
        out["drafts"] = _depth(conn, stories.c.updated_at, dirty, now)
    return out


def claimable(engine: Engine, stage: str) -> int:
    """Rows one stage has left to do now (what a progress bar counts down); 0 for a stage
    that keeps no per-row status (consolidate, crawl)."""
    with engine.connect() as conn:
        if stage in _PREREQ:
            pre = _PREREQ[stage]
            conds = [_col(stage) == PENDING, *(_col(p).in_((DONE, SKIPPED)) for p in pre)]
            q = select(func.count()).where(*conds)
        elif stage == "lens":
            q = select(func.count()).where(_no_prediction())
        elif stage == "drafts":
            q = (
                select(func.count())
                .select_from(stories)
                .where(stories.c.dirty.is_(True), stories.c.status != "merged")
            )
        else:
            return 0
        return int(conn.execute(q).scalar_one())


def _depth(conn: Any, stamp: Any, cond: Any, now: datetime) -> tuple[int, float]:
    n, oldest = conn.execute(select(func.count(), func.min(stamp)).where(cond)).one()
    age = (now - aware(oldest)).total_seconds() if oldest is not None else 0.0
    return int(n), max(age, 0.0)


def fetch_outcome_totals(engine: Engine) -> dict[tuple[str, str], int]:
    """(source name, kind) -> fetches ever; single URLs under "(single URLs)"."""
    q = (
        select(sources.c.name, fetch_outcomes.c.kind, func.sum(fetch_outcomes.c.n))
        .select_from(fetch_outcomes.outerjoin(sources, sources.c.id == fetch_outcomes.c.source_id))
        .group_by(sources.c.name, fetch_outcomes.c.kind)
    )
    with engine.connect() as conn:
        return {(name or "(single URLs)", kind): int(n) for name, kind, n in conn.execute(q)}


def story_counts(engine: Engine) -> dict[str, int]:
    """live stories (open, with clusterer state), drafted, drafts awaiting an editor
    (open stories with a draft) and drafts waiting for a rebuild (dirty)."""
    has_draft = exists(select(1).where(draft_versions.c.story_id == stories.c.id))
    with engine.connect() as conn:

        def n(*conds: Any) -> int:
            return conn.execute(
                select(func.count()).select_from(stories).where(*conds)
            ).scalar_one()

        return {
            "live": n(stories.c.status == "open", stories.c.state.is_not(None)),
            "drafted": n(has_draft, stories.c.status != "merged"),
            "pending_review": n(has_draft, stories.c.status == "open"),
            "approved": n(stories.c.status == "approved"),
            "rebuild_pending": n(stories.c.dirty.is_(True), stories.c.status != "merged"),
        }


def lens_model_stats(engine: Engine) -> dict[str, Any]:
    """The active lens model (version, macro-F1) and how many retrains were recorded."""
    with engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(model_versions)).scalar_one()
        row = conn.execute(
            select(model_versions.c.version, model_versions.c.metrics)
            .where(model_versions.c.active.is_(True))
            .order_by(model_versions.c.id.desc())
            .limit(1)
        ).first()
    f1 = None
    if row is not None and isinstance(row.metrics, dict):
        f1 = row.metrics.get("macro_f1")
    return {"runs": int(runs), "version": row.version if row else None, "macro_f1": f1}


def outcomes_by_day(engine: Engine, days: int, today: date | None = None) -> dict[int, list]:
    """source id -> one entry per day, oldest first: {day, kinds: {kind: n}}, the last
    `days` UTC days up to `today` (days without fetches are there, empty)."""
    today = today or utcnow().date()
    span = [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    q = select(fetch_outcomes).where(
        fetch_outcomes.c.day >= span[0], fetch_outcomes.c.day <= span[-1]
    )
    found: dict[int, dict[str, dict[str, int]]] = {}
    with engine.connect() as conn:
        for r in conn.execute(q):
            found.setdefault(r.source_id, {}).setdefault(r.day, {})[r.kind] = r.n
    return {
        sid: [{"day": d, "kinds": per_day.get(d, {})} for d in span]
        for sid, per_day in found.items()
    }


__all__ = [
    "outcomes_by_day",
    "article_status_counts",
    "claimable",
    "fetch_outcome_totals",
    "lens_model_stats",
    "queue_stats",
    "story_counts",
]
