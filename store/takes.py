"""What a take shows, written once: its outlet, its latest editor label, its lens.

A take (one article in a story) is shown in the queue, on the story page, in the draft and
in the labelling queue; each used to compute its outlet and its lens on its own, and the
queue's lens filter could disagree with the draft. Every reader now asks here.

Lens precedence (the one rule): the editor's newest label > the *active* model's
prediction at or above `[lenses] min_confidence` > the source's default lens > UNLABELLED.
It is a SQL expression, so the queue can filter and count by it, and the same expression
gives Python callers the lens with its provenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, exists, func, literal, select
from sqlalchemy.sql import ColumnElement, FromClause, Select

from core.settings.lenses import UNLABELLED
from store.schema import articles, labels, lens_predictions, model_versions, sources


def outlet_name() -> ColumnElement:
    """An article's outlet: the registered source's name, else the name an import or the
    page gave (NULL when nothing is known; readers show "Unknown")."""
    return func.coalesce(sources.c.name, articles.c.source_name, articles.c.site_name)


def _newest_label() -> ColumnElement:
    """True for a lens label that no later lens label of the same article replaced."""
    newer = labels.alias("newer")
    return and_(
        labels.c.kind == "lens",
        ~exists(
            select(1).where(
                newer.c.article_id == labels.c.article_id,
                newer.c.kind == "lens",
                newer.c.id > labels.c.id,
            )
        ),
    )


def latest_labels(conn: Connection, article_ids: list[int] | None = None) -> dict[int, str]:
    """The last lens an editor gave each article (of `article_ids`, or of every article)."""
    q = select(labels.c.article_id, labels.c.value).where(
        _newest_label(), labels.c.article_id.is_not(None)
    )
    if article_ids is not None:
        if not article_ids:
            return {}
        q = q.where(labels.c.article_id.in_(article_ids))
    return {aid: v for aid, v in conn.execute(q)}


def _active(*columns: Any) -> Select:
    """The active lens model version (exactly one is active; the newest wins otherwise)."""
    return (
        select(*columns)
        .where(model_versions.c.active.is_(True))
        .order_by(model_versions.c.id.desc())
        .limit(1)
    )


def active_model(conn: Connection | Engine) -> dict[str, Any] | None:
    """The active lens model version's row, or None before the first promotion."""
    q = _active(model_versions)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            row = c.execute(q).first()
    else:
        row = conn.execute(q).first()
    return dict(row._mapping) if row else None


def with_lens_inputs(base: FromClause) -> FromClause:
    """`base` (which holds `articles` and `sources`) joined to what the lens rule reads."""
    return base.outerjoin(
        labels, and_(labels.c.article_id == articles.c.id, _newest_label())
    ).outerjoin(lens_predictions, lens_predictions.c.article_id == articles.c.id)


@dataclass(frozen=True)
class ShownLens:
    """The lens rule as SQL columns, over a FROM clause made by `with_lens_inputs`."""

    lens: ColumnElement
    provenance: ColumnElement
    confidence: ColumnElement
    model_version: ColumnElement

    def columns(self) -> list[ColumnElement]:
        return [
            self.lens.label("lens"),
            self.provenance.label("lens_provenance"),
            self.confidence.label("lens_confidence"),
            self.model_version.label("lens_model_version"),
        ]


def shown_lens(min_confidence: float) -> ShownLens:
    """The one lens rule (see the module docstring) as SQL expressions."""
    active = _active(model_versions.c.version).scalar_subquery()
    labelled = labels.c.value.is_not(None)
    confident = and_(
        lens_predictions.c.lens.is_not(None),
        lens_predictions.c.lens != UNLABELLED,
        lens_predictions.c.confidence >= min_confidence,
        lens_predictions.c.model_version == active,
    )
    default = func.nullif(sources.c.default_lens, "")
    return ShownLens(
        lens=case(
            (labelled, labels.c.value),
            (confident, lens_predictions.c.lens),
            (default.is_not(None), default),
            else_=literal(UNLABELLED),
        ),
        provenance=case(
            (labelled, literal("editor")),
            (confident, literal("model")),
            (default.is_not(None), literal("source")),
            else_=literal("none"),
        ),
        confidence=case((labelled, None), (confident, lens_predictions.c.confidence)),
        model_version=case((labelled, None), (confident, lens_predictions.c.model_version)),
    )


def lens_info(row: Any) -> dict[str, Any]:
    """The lens dict drafts and pages show, from a row selected with `ShownLens.columns`."""
    m = row._mapping if hasattr(row, "_mapping") else row
    return {
        "lens": m["lens"],
        "provenance": m["lens_provenance"],
        "confidence": m["lens_confidence"],
        "model_version": m["lens_model_version"],
    }


def take_lenses(
    conn: Connection, article_ids: list[int], min_confidence: float
) -> dict[int, dict[str, Any]]:
    """Each article's shown lens with its provenance, by the one rule."""
    if not article_ids:
        return {}
    rule = shown_lens(min_confidence)
    base = articles.outerjoin(sources, sources.c.id == articles.c.source_id)
    q = (
        select(articles.c.id, *rule.columns())
        .select_from(with_lens_inputs(base))
        .where(articles.c.id.in_(article_ids))
    )
    return {r.id: lens_info(r) for r in conn.execute(q)}
