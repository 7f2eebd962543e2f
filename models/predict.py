"""Predictions of the active lens model, the labelling queue, and each take's lens provenance.

Precedence, everywhere a take's lens is shown: the editor's label (kept for good: takes with a
label are never predicted, and labels are never written here) > the active model's prediction
at or above `min_confidence` (with its version and confidence) > the source's default lens >
"unlabelled".
"""

from __future__ import annotations

import heapq
import logging
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, func, insert, select

from core.config import Config
from models.errors import ArtifactError
from models.registry import load_version, set_note
from models.takes import load_takes
from store.claims import ClaimLost, claim_where, finish_claim, lease_of, release
from store.db import utcnow
from store.schema import DONE, articles, labels, lens_predictions, story_members
from store.stories import mark_dirty
from store.takes import take_lenses

logger = logging.getLogger(__name__)


def _refused(engine: Engine, active: dict[str, Any], exc: ArtifactError) -> str:
    """Say once, on the version row the operator sees in `storyloom models`, why it is unused."""
    msg = f"artifact refused: {exc}"
    if active.get("note") != msg:
        set_note(engine, active["version"], msg)
    logger.error(
        "active lens model refused", extra={"version": active["version"], "error": str(exc)}
    )
    return msg


def predict_missing(engine: Engine, config: Config, active: dict[str, Any]) -> dict[str, Any]:
    """Predict every fetched, editor-unlabelled take not yet predicted by the active version.

    Idempotent: a second run predicts nothing. After a promotion or rollback every take is
    re-predicted by the new version. Stories whose shown lens changed are marked dirty so their
    drafts are rebuilt. A refused artifact is reported (log + version note), never raised.
    """
    settings = config.lenses
    try:
        model = load_version(active, settings.taxonomy)
    except ArtifactError as exc:
        return {"predicted": 0, "changed": 0, "error": _refused(engine, active, exc)}
    version = active["version"]
    labelled = select(labels.c.article_id).where(
        labels.c.kind == "lens", labels.c.article_id.is_not(None)
    )
    predicted = changed = 0
    after = 0
    mine = lens_predictions.alias("mine")
    current = select(mine.c.article_id).where(mine.c.model_version == version)
    lease = lease_of(config.workers, "lens")
    while True:
        claimed = claim_where(  # N workers: each take predicted once (store/claims.py)
            engine,
            "lens",
            articles,
            [
                articles.c.fetch_status == DONE,
                articles.c.id > after,
                articles.c.id.not_in(labelled),
                articles.c.id.not_in(current),
            ],
            limit=settings.predict_batch,
            lease=lease,
        )
        if not claimed:
            break
        after = claimed[-1]
        takes = load_takes(engine, config, list(claimed))
        if not takes.ids:
            release(engine, "lens", claimed, claimed.token)
            continue
        preds = model.predict(
            takes.texts, embeddings=takes.embeddings, outlets=takes.outlets, contexts=takes.contexts
        )
        now = utcnow()
        try:
            with engine.begin() as conn:
                finish_claim(conn, "lens", list(claimed), claimed.token)
                before = take_lenses(conn, takes.ids, settings.min_confidence)
                conn.execute(
                    delete(lens_predictions).where(lens_predictions.c.article_id.in_(takes.ids))
                )
                conn.execute(
                    insert(lens_predictions),
                    [
                        {
                            "article_id": aid,
                            "model_version": version,
                            "lens": lens,
                            "confidence": float(conf),
                            "created_at": now,
                        }
                        for aid, (lens, conf) in zip(takes.ids, preds, strict=True)
                    ],
                )
                shown = take_lenses(conn, takes.ids, settings.min_confidence)
                moved = [a for a in takes.ids if shown[a]["lens"] != before[a]["lens"]]
                if moved:  # the lens a take shows changed: its story's draft is rebuilt
                    mark_dirty(
                        conn,
                        select(story_members.c.story_id).where(
                            story_members.c.article_id.in_(moved)
                        ),
                    )
        except ClaimLost:
            logger.info("lens: a claim expired; another worker predicts those takes")
            continue
        predicted += len(takes.ids)
        changed += len(moved)
    if predicted:
        logger.info(
            "lens predictions stored",
            extra={"version": version, "predicted": predicted, "changed": changed},
        )
    return {"predicted": predicted, "changed": changed}


def uncertainty(proba: np.ndarray, method: str) -> np.ndarray:
    """Doubt per row in [0, 1]: 1 - (top1 - top2) for "margin", normalised entropy otherwise."""
    if proba.shape[0] == 0:
        return np.zeros(0)
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    if method == "margin":
        top = np.sort(proba, axis=1)[:, -2:]
        return 1.0 - (top[:, 1] - top[:, 0])
    p = np.clip(proba, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=1) / np.log(proba.shape[1])


def queue_by_uncertainty(
    engine: Engine,
    config: Config,
    rows: list[dict[str, Any]],
    active: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """`rows` (each with `article_id`) least sure first under the active model.

    Adds `guess`, `confidence`, `uncertainty` and `model_version` to each row. With no usable
    model the order is left as given (the caller's newest first).
    """
    if active is None or not rows:
        return rows
    try:
        model = load_version(active, config.lenses.taxonomy)
    except ArtifactError as exc:
        _refused(engine, active, exc)
        return rows
    takes = load_takes(engine, config, [r["article_id"] for r in rows])
    proba = model.predict_proba(
        takes.texts, embeddings=takes.embeddings, outlets=takes.outlets, contexts=takes.contexts
    )
    doubt = uncertainty(proba, config.lenses.uncertainty)
    where = {a: i for i, a in enumerate(takes.ids)}
    for r in rows:
        i = where.get(r["article_id"])
        if i is None:
            r["uncertainty"] = -1.0
            r["story_group"] = f"article:{r['article_id']}"
            continue
        j = int(proba[i].argmax())
        r.update(
            guess=model.lenses[j],
            confidence=float(proba[i, j]),
            uncertainty=float(doubt[i]),
            model_version=active["version"],
            story_group=takes.stories[i],
        )
    ranked = sorted(rows, key=lambda r: (-r["uncertainty"], r["article_id"]))
    seen = labelled_per_story(engine)
    return spread_over_stories(ranked, seen, config.lenses.queue_story_decay)


def labelled_per_story(engine: Engine) -> dict[str, int]:
    """Editor-labelled takes per story group ("story:<id>"), as the queue discounts them."""
    q = (
        select(story_members.c.story_id, func.count(func.distinct(labels.c.article_id)))
        .select_from(labels.join(story_members, story_members.c.article_id == labels.c.article_id))
        .where(labels.c.kind == "lens")
        .group_by(story_members.c.story_id)
    )
    with engine.connect() as conn:
        return {f"story:{sid}": int(n) for sid, n in conn.execute(q)}


def spread_over_stories(
    ranked: list[dict[str, Any]], labelled: dict[str, int], decay: float
) -> list[dict[str, Any]]:
    """Greedy re-order: each pick takes the row of highest doubt × decay^(takes of its story
    already labelled or picked).

    Takes of one story are near-copies with one lens, so doubt alone spends a batch on one
    confusing story; labels spread over stories teach what carries to the next story. The
    discounted doubt is kept as `priority`. decay 1 leaves the order as it is.
    """
    if decay >= 1.0 or not ranked:
        return ranked
    per_story: dict[str, list[dict[str, Any]]] = {}
    for r in ranked:  # already least sure first within each story
        per_story.setdefault(r.get("story_group", ""), []).append(r)
    count = {g: labelled.get(g, 0) for g in per_story}
    nxt = dict.fromkeys(per_story, 0)

    def key(g: str) -> float:
        u = max(per_story[g][nxt[g]].get("uncertainty", 0.0), 0.0)
        return u * decay ** count[g]

    heap = [(-key(g), per_story[g][0]["article_id"], g) for g in per_story]
    heapq.heapify(heap)
    out: list[dict[str, Any]] = []
    while heap:
        neg, _, g = heapq.heappop(heap)
        row = per_story[g][nxt[g]]
        row["priority"] = float(-neg)
        out.append(row)
        count[g] += 1
        nxt[g] += 1
        if nxt[g] < len(per_story[g]):
            heapq.heappush(heap, (-key(g), per_story[g][nxt[g]]["article_id"], g))
    return out


def shown_lenses(engine: Engine, config: Config, article_ids: list[int]) -> dict[int, dict]:
    """Each take's shown lens with its provenance, by the one rule (store/takes.py).

    Values: {"lens", "provenance": editor|model|source|none, "confidence", "model_version"}.
    """
    with engine.connect() as conn:
        return take_lenses(conn, list(article_ids), config.lenses.min_confidence)


def prediction_counts(engine: Engine) -> dict[str, int]:
    """Stored predictions per model version (for `storyloom models`)."""
    q = select(lens_predictions.c.model_version, func.count()).group_by(
        lens_predictions.c.model_version
    )
    with engine.connect() as conn:
        return {v: int(n) for v, n in conn.execute(q)}


__all__ = [
    "predict_missing",
    "prediction_counts",
    "queue_by_uncertainty",
    "shown_lenses",
    "spread_over_stories",
    "uncertainty",
]
