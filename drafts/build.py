"""Assemble one draft from a story's member articles and their analyses; no database here.

Pure function of its inputs (plus the sentence encoder), so it is tested and benchmarked on
plain dicts and the stage only has to read rows and write the result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from core.settings.drafts import DraftSettings
from drafts.candidates import build_pool, entity_hits, make_article, merge_entities
from drafts.embed import Encoder
from drafts.entities import clean_entities
from drafts.headline import pick_dek, pick_headline
from drafts.model import Draft, Stray
from drafts.sections import (
    UNLABELLED,
    build_takes,
    distinct_sentences,
    pick_cues,
    pick_numbers,
    pick_summary,
)
from drafts.stray import find_strays
from drafts.takes import gist_mask, repeats, syndicated

logger = logging.getLogger(__name__)


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
    every = [make_article(m, analyses.get(int(m["id"]))) for m in members]
    pool = build_pool(every, s, encode)
    have = [k for k, a in enumerate(every) if a.sents]
    out_k, fit, cohesion = find_strays(pool.article_vecs, have, s.stray_margin, s.stray_min_members)
    # A low fit of a member the sentence model cannot read is its blindness, not evidence
    # (the clusterer compared it through the cross-lingual embedding): never a stray.
    out_k = {
        k
        for k in out_k
        if fit[k] < s.stray_max_fit and every[k].lang in (*s.encoder_languages, "und", "")
    }
    stray: list[Stray] = [
        {
            "article_id": every[k].id,
            "outlet": every[k].outlet,
            "title": every[k].title,
            "url": every[k].url,
            "fit": round(fit[k], 3),
            "cohesion": round(cohesion, 3),
        }
        for k in sorted(out_k)
    ]
    articles = [a for k, a in enumerate(every) if k not in out_k]
    if out_k:  # the story's core only: a stray supplies nothing (vectors are cached)
        pool = build_pool(articles, s, encode)
    entities = clean_entities(
        merge_entities(articles),
        pool.texts,
        s.generic_entities,
        s.entity_lower_share,
        limit=max(s.entities_max, s.main_entities, s.heads),
    )
    hits = entity_hits(pool.texts, entities[: s.main_entities])

    headline = pick_headline(articles, pool, encode, s)
    dek, dek_i = pick_dek(pool, headline, encode, s)
    summary = pick_summary(pool, articles, hits, s, exclude={dek_i} if dek_i is not None else set())
    taken = {i for i, t in enumerate(pool.texts) if t in {x["text"] for x in summary} or i == dek_i}
    watch = pick_cues(pool, articles, s.watch_cues, s.watch_max, s, taken, s.watch_headings)
    why = pick_cues(pool, articles, s.why_cues, s.why_max, s, taken, s.why_headings)
    picks = distinct_sentences(pool, articles, hits, s, eligible=gist_mask(pool))
    reprints = syndicated(pool, articles, s)
    repeated = repeats(pool, articles, picks, s)
    takes = build_takes(
        pool, articles, picks, list(taxonomy), s.quote_max_words, reprints, repeated
    )
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
        "stray": stray,
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
