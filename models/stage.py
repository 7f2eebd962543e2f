"""The lens stage over stored rows: labels from editors, predictions from the active model.

An editor's label overrides any prediction for good; predictions carry their model version
and confidence so every take's lens can say where it came from.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, insert, select

from core.config import Config
from core.errors import InvalidInput, NotFound
from core.settings.lenses import UNLABELLED
from models.takes import TAKE_LEAD_CHARS, take_text
from store.db import utcnow
from store.queries import audit
from store.schema import DONE, articles, labels, lens_predictions, model_versions, sources
from store.takes import active_model, latest_labels, outlet_name

logger = logging.getLogger(__name__)

__all__ = ["TAKE_LEAD_CHARS", "retrain", "take_text"]


def retrain(engine: Engine, config: Config, progress: bool = False) -> dict[str, Any]:
    """models.retrain.retrain, imported lazily (sklearn, matplotlib) for the UI's button."""
    from models.retrain import retrain as _retrain

    return _retrain(engine, config, progress)


def set_label(engine: Engine, article_id: int, lens: str, user_id: int | None) -> None:
    """Store an editor's lens for a take; it wins over every model from now on."""
    with engine.begin() as conn:
        if conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first() is None:
            raise NotFound(f"no article with id {article_id}")
        conn.execute(
            insert(labels).values(
                kind="lens",
                article_id=article_id,
                value=lens,
                user_id=user_id,
                created_at=utcnow(),
            )
        )
        audit(conn, user_id, "take.label", "article", article_id, {"lens": lens})


def check_lens(config: Config, lens: str) -> str:
    if lens not in config.lenses.taxonomy:
        allowed = ", ".join(config.lenses.taxonomy)
        raise InvalidInput(f"lens {lens!r} is not in the taxonomy; allowed: {allowed}")
    return lens


def labels_per_lens(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        latest = latest_labels(conn)
    out: dict[str, int] = {}
    for lens in latest.values():
        out[lens] = out.get(lens, 0) + 1
    return dict(sorted(out.items()))


def list_model_versions(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(select(model_versions).order_by(model_versions.c.id.desc()))
        ]
    for r in rows:  # the UI shows the PNG and the headline numbers, not the bookkeeping
        r["confusion_png"] = (r.get("metrics") or {}).get("confusion_png")
    return rows


def run_predictions(engine: Engine, config: Config) -> dict[str, int]:
    """Predict lenses for articles with no prediction from the active model (none: nothing)."""
    active = active_model(engine)
    if active is None:
        return {"predicted": 0}
    from models.predict import predict_missing

    return predict_missing(engine, config, active)


def label_queue(engine: Engine, config: Config, limit: int = 20) -> list[dict[str, Any]]:
    """Unlabelled takes, least sure first under the active model (newest first without one).

    Candidates are the least confident stored predictions (unpredicted takes first, then
    newest), re-ranked by the active model's full probabilities.
    """
    from models.predict import queue_by_uncertainty

    labelled = select(labels.c.article_id).where(
        labels.c.kind == "lens", labels.c.article_id.is_not(None)
    )
    q = (
        select(
            articles.c.id.label("article_id"),
            articles.c.title,
            articles.c.text,
            outlet_name().label("outlet"),
            sources.c.default_lens,
        )
        .select_from(
            articles.outerjoin(sources, sources.c.id == articles.c.source_id).outerjoin(
                lens_predictions, lens_predictions.c.article_id == articles.c.id
            )
        )
        .where(
            articles.c.fetch_status == DONE,
            articles.c.text.is_not(None),
            articles.c.id.not_in(labelled),
        )
        .order_by(
            lens_predictions.c.confidence.asc().nulls_first(),
            articles.c.published_at.desc().nulls_last(),
            articles.c.id.desc(),
        )
        .limit(max(limit * 20, 200))
    )
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for r in rows:
        r["sentence"] = take_text(r["title"], r.pop("text"))
        r["guess"], r["confidence"] = UNLABELLED, None
    return queue_by_uncertainty(engine, config, rows, active_model(engine))[:limit]
