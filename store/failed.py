"""Articles a stage gave up on, with the reason: what an operator must see, not dig for.

A single URL refused by the guard (`add-url` without `--now`) or a page that had no text
used to show up nowhere but in `articles.last_error`; `storyloom articles --failed` and the
UI's Failed page list them from here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, or_, select

from store.schema import ERROR, STAGES, articles, sources


def _any_error():
    return or_(*(articles.c[f"{s}_status"] == ERROR for s in STAGES))


def failed_articles(
    engine: Engine, *, limit: int = 100, single_only: bool = False
) -> list[dict[str, Any]]:
    """Newest first: id, url, outlet, stage, reason, attempts, when; `single` marks URLs an
    operator handed in (no feed behind them)."""
    q = (
        select(
            articles.c.id,
            articles.c.url,
            func.coalesce(sources.c.name, articles.c.source_name).label("outlet"),
            articles.c.error_stage.label("stage"),
            articles.c.last_error.label("reason"),
            articles.c.attempts,
            articles.c.updated_at,
            (articles.c.source_id.is_(None) | (sources.c.kind == "url")).label("single"),
        )
        .select_from(articles.outerjoin(sources, sources.c.id == articles.c.source_id))
        .where(_any_error())
        .order_by(articles.c.updated_at.desc(), articles.c.id.desc())
        .limit(limit)
    )
    if single_only:
        q = q.where(or_(articles.c.source_id.is_(None), sources.c.kind == "url"))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def count_failed(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(_any_error())).scalar_one()


__all__ = ["count_failed", "failed_articles"]
