"""The NLP stage over stored articles: analyse what is pending, store one row per article.

An analysis is recomputed only when the article's text or the pipeline version changes.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from core.config import Config
from nlp.analyse import PIPELINE_VERSION, analyse_texts
from nlp.pool import NlpPool
from store.articles import DONE, ERROR, SKIPPED, ClaimLost, claim, finish, text_hash
from store.claims import claim_ids, lease_of
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


def _store(
    engine: Engine, row: dict[str, Any], digest: str, result: dict[str, Any], token: str
) -> None:
    try:
        with engine.begin() as conn:
            _write(conn, row, digest, result, token)
    except ClaimLost:
        logger.info("article %s: NLP claim expired; another worker took it", row["id"])


def _write(
    conn: Connection, row: dict[str, Any], digest: str, result: dict[str, Any], token: str
) -> None:
    status = result.get("status", "ok")
    if status in _OPERATOR_STATUSES:
        # stored (so it is not redone) and shown to the operator on the article
        note = f"nlp {status}: {result.get('note')}"
        values = {"error_stage": "nlp", "last_error": note}
        finish(conn, row["id"], "nlp", _STAGE_STATUS.get(status, DONE), token=token, values=values)
    else:
        finish(conn, row["id"], "nlp", DONE, token=token)  # first: ClaimLost writes nothing
    conn.execute(delete(analyses).where(analyses.c.article_id == row["id"]))
    conn.execute(
        insert(analyses).values(
            article_id=row["id"],
            model=result.get("model") or "unknown",
            pipeline_version=PIPELINE_VERSION,
            text_hash=digest,
            status=status,
            note=result.get("note"),
            data=result,
            created_at=utcnow(),
        )
    )


def analyse_rows(
    engine: Engine,
    config: Config,
    rows: list[dict[str, Any]],
    token: str,
    pool: NlpPool | None = None,
) -> int:
    """Analyse claimed rows whose stored analysis is missing or stale; returns how many ran.

    `token` is the claim's: results of rows whose claim was lost meanwhile are dropped.
    """
    todo, digests = [], {}
    for r in rows:
        digests[r["id"]] = text_hash(r["title"], r["text"])
        if r["text_hash"] == digests[r["id"]] and r["pipeline_version"] == PIPELINE_VERSION:
            _store_done(engine, r["id"], token)
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
            pool=pool,
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
                why = f"analysis failed: {type(e).__name__}: {e}"
                _store_done(engine, r["id"], token, ERROR, why)
                results.append(None)
    for r, res in zip(todo, results, strict=True):
        if res is not None:
            _store(engine, r, digests[r["id"]], res, token)
    return len(todo)


def _store_done(
    engine: Engine, article_id: int, token: str, status: str = DONE, error: str | None = None
) -> None:
    try:
        with engine.begin() as conn:
            finish(conn, article_id, "nlp", status, token=token, error=error)
    except ClaimLost:
        logger.info("article %s: NLP claim expired; another worker took it", article_id)


def run_nlp(
    engine: Engine, config: Config, *, limit: int | None = None, pool: NlpPool | None = None
) -> dict[str, int]:
    """Analyse every pending article, a claimed batch at a time; `pool` is the worker's
    long-lived NLP processes (nlp/pool.py)."""
    batch = config.nlp.batch_size * max(1, config.nlp.n_process)
    lease = lease_of(config.workers, "nlp")
    seen = analysed = 0
    while ids := claim(engine, "nlp", batch, lease=lease):
        analysed += analyse_rows(engine, config, _rows(engine, ids), ids.token, pool)
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
    mine = claim_ids(engine, "nlp", [article_id], lease=lease_of(config.workers, "nlp"))
    if mine:  # else a worker is analysing it right now: show what is stored
        analyse_rows(engine, config, rows, mine.token)
    with engine.connect() as conn:
        row = conn.execute(select(analyses).where(analyses.c.article_id == article_id)).one()
    return dict(row._mapping)
