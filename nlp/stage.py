"""The NLP stage over stored articles: analyse what is pending, store one row per article.

An analysis is recomputed only when the article's text or the pipeline version changes.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from core.config import Config
from nlp.analyse import PIPELINE_VERSION, analyse_texts
from store.articles import DONE, ERROR, SKIPPED, claim, finish, text_hash
from store.db import utcnow
from store.schema import analyses, articles

logger = logging.getLogger(__name__)

# Outcomes an operator should see on the article: nothing (or not all) of it was analysed.
_OPERATOR_STATUSES = ("empty", "garbage", "truncated", "error")
_STAGE_STATUS = {"empty": SKIPPED, "garbage": SKIPPED, "error": ERROR}


def _rows(engine: Engine, ids: list[int]) -> list[dict[str, Any]]:
    q = (
        select(
            articles.c.id,
            articles.c.title,
            articles.c.text,
            articles.c.lang,
            analyses.c.text_hash,
            analyses.c.pipeline_version,
        )
        .select_from(articles.outerjoin(analyses, analyses.c.article_id == articles.c.id))
        .where(articles.c.id.in_(ids))
        .order_by(articles.c.id)
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def _store(engine: Engine, row: dict[str, Any], digest: str, result: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(delete(analyses).where(analyses.c.article_id == row["id"]))
        conn.execute(
            insert(analyses).values(
                article_id=row["id"],
                model=result.get("model") or "unknown",
                pipeline_version=PIPELINE_VERSION,
                text_hash=digest,
                status=result.get("status", "ok"),
                note=result.get("note"),
                data=result,
                created_at=utcnow(),
            )
        )
        status = result.get("status", "ok")
        if status in _OPERATOR_STATUSES:
            # stored (so it is not redone) and shown to the operator on the article
            finish(
                conn,
                row["id"],
                "nlp",
                _STAGE_STATUS.get(status, DONE),
                values={"error_stage": "nlp", "last_error": f"nlp {status}: {result.get('note')}"},
            )
        else:
            finish(conn, row["id"], "nlp", DONE)


def analyse_rows(engine: Engine, config: Config, rows: list[dict[str, Any]]) -> int:
    """Analyse rows whose stored analysis is missing or stale; returns how many were run."""
    todo, digests = [], {}
    for r in rows:
        digests[r["id"]] = text_hash(r["title"], r["text"])
        if r["text_hash"] == digests[r["id"]] and r["pipeline_version"] == PIPELINE_VERSION:
            with engine.begin() as conn:
                finish(conn, r["id"], "nlp", DONE)
        else:
            todo.append(r)
    if not todo:
        return 0
    try:
        results = analyse_texts(
            [r["text"] or "" for r in todo],
            [r["lang"] for r in todo],
            config.nlp,
            titles=[r["title"] for r in todo],
        )
    except Exception:  # noqa: BLE001 - one bad text must not sink the batch: retry one by one
        logger.exception("batch analysis failed; retrying article by article")
        results = []
        for r in todo:
            try:
                results.extend(
                    analyse_texts([r["text"] or ""], [r["lang"]], config.nlp, titles=[r["title"]])
                )
            except Exception as e:  # noqa: BLE001
                with engine.begin() as conn:
                    finish(
                        conn,
                        r["id"],
                        "nlp",
                        ERROR,
                        error=f"analysis failed: {type(e).__name__}: {e}",
                    )
                results.append(None)
    for r, res in zip(todo, results, strict=True):
        if res is not None:
            _store(engine, r, digests[r["id"]], res)
    return len(todo)


def run_nlp(engine: Engine, config: Config, *, limit: int | None = None) -> dict[str, int]:
    batch = config.nlp.batch_size * max(1, config.nlp.n_process)
    seen = analysed = 0
    while ids := claim(engine, "nlp", batch):
        analysed += analyse_rows(engine, config, _rows(engine, ids))
        seen += len(ids)
        if limit is not None and seen >= limit:
            break
    return {"articles": seen, "analysed": analysed}


def analyse_article(engine: Engine, config: Config, article_id: int) -> dict[str, Any]:
    """Analyse one article now if its analysis is missing or stale; return the stored result."""
    rows = _rows(engine, [article_id])
    if not rows:
        raise LookupError(f"no article with id {article_id}")
    if rows[0]["text"] is None:
        raise LookupError(f"article {article_id} has no text yet (its page is not fetched)")
    analyse_rows(engine, config, rows)
    with engine.connect() as conn:
        row = conn.execute(select(analyses).where(analyses.c.article_id == article_id)).one()
    return dict(row._mapping)
