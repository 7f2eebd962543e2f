"""Assemble one draft from a story's member articles and their analyses; no database here.

Pure function of its inputs (plus the sentence encoder), so it is tested and benchmarked on
plain dicts and the stage only has to read rows and write the result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np

from core.settings.drafts import DraftSettings
from drafts.candidates import Article, Pool, build_pool, entity_hits, make_article, merge_entities
from drafts.embed import Encoder, unit
from drafts.model import Draft
from drafts.sections import (
    UNLABELLED,
    build_takes,
    distinct_sentences,
    pick_cues,
    pick_numbers,
    pick_summary,
    short_enough,
)
from drafts.text import clean_headline

logger = logging.getLogger(__name__)


def _headline(articles: list[Article], pool: Pool, encode: Encoder, s: DraftSettings) -> str:
    """The most central cleaned title; a title cut short ("...") loses to a whole one."""
    outlets = {a.outlet for a in articles}
    raw = [a.title for a in articles if a.title]
    cleaned = [clean_headline(t, outlets) for t in raw]
    pairs = [(r, c) for r, c in zip(raw, cleaned, strict=True) if c]
    if not pairs:
        return pool.texts[int(np.argmax(pool.vecs @ pool.centroid))] if pool.texts else ""
    vecs = encode([c for _, c in pairs])
    centre = unit(vecs.mean(axis=0))
    score = vecs @ centre
    cut = np.array([r.rstrip().endswith(("...", "…")) for r, _ in pairs])
    score = score - s.headline_truncated_penalty * cut
    return pairs[int(np.argmax(score))][1]


def _dek(pool: Pool, headline: str, encode: Encoder, s: DraftSettings) -> tuple[str, int | None]:
    """The most central short sentence that is not the headline again."""
    if not pool.texts:
        return "", None
    hv = encode([headline])[0] if headline else None
    for i in map(int, np.argsort(-(pool.vecs @ pool.centroid))):
        text = pool.texts[i]
        if not short_enough(text, s.dek_max_words) or text.rstrip().endswith(("...", "…")):
            continue
        if hv is not None and float(pool.vecs[i] @ hv) >= s.near_duplicate:
            continue
        return pool.texts[i], i
    return "", None


def _heads(entities: list[dict[str, Any]], n_articles: int, n: int) -> list[str]:
    """Lead entities: those several outlets name; a name one headline coined is not a lead."""
    shared = [e["text"] for e in entities if e["n_articles"] >= min(2, n_articles)]
    return shared[:n]


def _day(v: Any) -> str | None:
    if isinstance(v, datetime | date):
        return v.date().isoformat() if isinstance(v, datetime) else v.isoformat()
    if isinstance(v, str) and v:
        return v[:10]
    return None


def build_draft(
    story: dict[str, Any],
    members: Sequence[dict[str, Any]],
    analyses: dict[int, dict[str, Any]],
    *,
    settings: DraftSettings,
    taxonomy: Sequence[str],
    regions: Iterable[str] = (),
    related: Sequence[dict[str, Any]] = (),
    encode: Encoder,
) -> Draft:
    """The generated draft (no editor edits): see drafts.model for its shape.

    story: id, slug, first_seen_at (optional). members: story_articles rows (id, title, text,
    url, outlet, region, lang, lens dict...). analyses: article id -> analyses.data.
    regions: the configured sources' countries, for the Coverage blindspots.
    """
    s = settings
    articles = [make_article(m, analyses.get(int(m["id"]))) for m in members]
    pool = build_pool(articles, s, encode)
    entities = merge_entities(articles)
    hits = entity_hits(pool.texts, entities[: s.main_entities])

    headline = _headline(articles, pool, encode, s)
    dek, dek_i = _dek(pool, headline, encode, s)
    summary = pick_summary(pool, articles, hits, s, exclude={dek_i} if dek_i is not None else set())
    taken = {i for i, t in enumerate(pool.texts) if t in {x["text"] for x in summary} or i == dek_i}
    why = pick_cues(pool, articles, s.why_cues, s.why_max, s, taken)
    watch = pick_cues(pool, articles, s.watch_cues, s.watch_max, s, taken)
    picks = distinct_sentences(pool, articles, hits, s)
    takes = build_takes(pool, articles, picks, list(taxonomy), s.quote_max_words)
    numbers = pick_numbers(articles, s, encode, pool.centroid)

    take_regions = {it["region"] for g in takes for it in g["items"]}
    take_lenses = {g["lens"] for g in takes}
    first = story.get("first_seen_at") or min(
        (m.get("published_at") for m in members if m.get("published_at")), default=None
    )
    draft: Draft = {
        "story_id": story.get("id"),
        "slug": story.get("slug"),
        "version": None,
        "headline": headline,
        "dek": dek,
        "meta": {
            "type": "story",
            "date": _day(first),
            "heads": _heads(entities, len(articles), s.heads),
            "n_takes": sum(len(g["items"]) for g in takes),
            "n_lenses": len(take_lenses),
            "n_regions": len(take_regions),
            "languages": sorted({it["lang"] for g in takes for it in g["items"] if it["lang"]}),
        },
        "summary": summary,
        "numbers": numbers,
        "why": why,
        "watch": watch,
        "takes": takes,
        "coverage": {
            "missing_lenses": [lens for lens in taxonomy if lens not in take_lenses],
            "missing_regions": sorted({r for r in regions if r} - take_regions),
        },
        "related": [{"slug": r["slug"], "title": r.get("title")} for r in related],
        "entities": [
            {"text": e["text"], "label": e["label"], "count": e["count"]}
            for e in entities[: s.entities_max]
        ],
        "edited": {},
        "new_since_last_look": {"takes": [], "numbers": []},
    }
    logger.debug(
        "drafted story %s: %d articles, %d sentences, %d takes",
        story.get("id"),
        len(articles),
        len(pool.texts),
        draft["meta"]["n_takes"],
    )
    return draft


__all__ = ["build_draft", "UNLABELLED"]
