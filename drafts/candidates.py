"""What the draft is picked from: each member's sentences with vectors, and story entities.

Sentences come from the article's nlp/ analysis (spaCy's split, so every pick is verbatim
article text); an article nlp/ has not analysed falls back to a regex split, and a title-only
article (headline feeds) offers its title. Entities are merged across the story by key.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.settings.drafts import DraftSettings
from core.settings.lenses import UNLABELLED
from drafts.embed import Encoder, unit
from drafts.text import cue_pattern, split_sentences, word_count
from ingest.urls import region_from_host
from nlp.entities import entity_key

logger = logging.getLogger(__name__)

GLOBAL = "Global"
LINE_BREAK = re.compile(r"\s*\n\s*")


@dataclass
class Article:
    """A member article with everything the sections read, resolved once."""

    id: int
    title: str
    text: str
    url: str
    outlet: str
    region: str
    lang: str
    lens: str
    lens_provenance: str
    lens_confidence: float | None
    analysis: dict[str, Any]
    sents: list[int] = field(default_factory=list)  # indexes into Pool.texts


@dataclass
class Pool:
    """All candidate sentences of a story, their owners and unit vectors."""

    texts: list[str]
    owner: list[int]  # index into articles
    sent_i: list[int]  # the sentence's number in its article (analysis "i")
    vecs: np.ndarray
    centroid: np.ndarray
    article_vecs: np.ndarray  # one unit vector per article (mean of its sentences)


def resolve_region(m: dict[str, Any]) -> str:
    """The source's configured country, else the region stored with the article (set at
    ingest from the import line or the host), else the host's country-code domain, else
    Global."""
    for key in ("source_country", "region"):
        v = m.get(key)
        if v and v != GLOBAL:
            return str(v)
    return region_from_host(m.get("url")) or GLOBAL


def make_article(m: dict[str, Any], analysis: dict[str, Any] | None) -> Article:
    lens = m.get("lens") or {}
    if isinstance(lens, str):
        lens = {"lens": lens, "provenance": "source", "confidence": None}
    data = analysis or {}
    return Article(
        id=int(m["id"]),
        title=(m.get("title") or "").strip(),
        text=m.get("text") or "",
        url=m.get("url") or m.get("canonical_url") or "",
        outlet=m.get("outlet") or "Unknown",  # store.takes.outlet_name, via story_articles
        region=resolve_region(m),
        lang=m.get("lang") or data.get("lang") or "und",
        lens=lens.get("lens") or UNLABELLED,
        lens_provenance=lens.get("provenance") or "none",
        lens_confidence=lens.get("confidence"),
        analysis=data,
    )


def _pieces(sent: dict[str, Any], body_start: int) -> list[str]:
    """The parts of one analysed sentence that lie in the body, split at line breaks.

    nlp/ analyses "title\n\nbody" and spaCy sometimes runs a sentence across the title or a
    paragraph break; each paragraph piece on its own is text the article printed.
    """
    text = sent.get("text") or ""
    start = int(sent.get("start") or 0)
    if body_start > start:
        text = text[body_start - start :]
    return [p.strip() for p in LINE_BREAK.split(text) if p.strip()]


def _usable(t: str, s: DraftSettings, boiler: re.Pattern[str]) -> bool:
    return s.min_sentence_words <= word_count(t) <= s.max_sentence_words and not boiler.search(t)


def article_sentences(a: Article, s: DraftSettings) -> list[tuple[int, str]]:
    """(number, text) of the leading usable sentences of an article, each verbatim in it.

    A title-only article (headline feeds, title archives) offers its title as its one
    sentence; its body is the title again, so splitting it would only cut it into pieces.
    """
    boiler = cue_pattern(s.boilerplate_cues)
    if a.title and a.text.strip() in ("", a.title):
        return [(-1, a.title)] if _usable(a.title, s, boiler) else []
    sents = a.analysis.get("sentences") if isinstance(a.analysis, dict) else None
    body_start = int(a.analysis.get("body_start") or 0) if sents else 0
    if not sents:
        sents = split_sentences(a.text)
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for k, sent in enumerate(sents):
        if len(out) >= s.max_sentences_per_article:
            break
        for t in _pieces(sent, body_start):
            # Verbatim or nothing: text nlp/ normalised or cut is not offered.
            if t in seen or not _usable(t, s, boiler) or t not in a.text:
                continue
            seen.add(t)
            out.append((int(sent.get("i", k)), t))
    if not out and a.title and _usable(a.title, s, boiler):
        out.append((-1, a.title))
    return out


def per_article_cap(n_articles: int, s: DraftSettings) -> int:
    """Leading sentences taken from each article: all `max_sentences_per_article` in a small
    story, fewer in a big one so the pool stays under `max_pool_sentences` (but never fewer
    than `min_sentences_per_article`): embedding cost then grows with outlets, not words."""
    share = s.max_pool_sentences // max(1, n_articles)
    return max(s.min_sentences_per_article, min(s.max_sentences_per_article, share))


def build_pool(articles: list[Article], s: DraftSettings, encode: Encoder) -> Pool:
    texts: list[str] = []
    owner: list[int] = []
    sent_i: list[int] = []
    cap = per_article_cap(len(articles), s)
    for k, a in enumerate(articles):
        for i, t in article_sentences(a, s)[:cap]:
            a.sents.append(len(texts))
            texts.append(t)
            owner.append(k)
            sent_i.append(i)
    vecs = encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    dim = vecs.shape[1] if vecs.ndim == 2 else 1
    art = np.zeros((len(articles), dim), dtype=np.float32)
    for k, a in enumerate(articles):
        if a.sents:
            art[k] = unit(vecs[a.sents].mean(axis=0))
    # Each article weighs the same in the centroid, however long it is.
    have = [k for k, a in enumerate(articles) if a.sents]
    centroid = unit(art[have].mean(axis=0)) if have else np.zeros(dim, dtype=np.float32)
    return Pool(texts, owner, sent_i, vecs, centroid, art)


def _key(text: str) -> str:
    """The story-wide matching key of a name: nlp/'s, so drafts fold names as analysis does."""
    return entity_key(text)


def merge_entities(articles: list[Article]) -> list[dict[str, Any]]:
    """Story entities by salience: articles naming it first, then mentions; an entity one
    article names once is left out.

    Each: text (most used form), label, count (mentions), n_articles, forms (surface texts).
    """
    groups: dict[str, dict[str, Any]] = {}
    for a in articles:
        for e in a.analysis.get("entities") or []:
            text = (e.get("text") or "").strip()
            if not text:
                continue
            g = groups.setdefault(
                _key(text),
                {"forms": Counter(), "labels": Counter(), "count": 0, "articles": set()},
            )
            n = int(e.get("count") or 1)
            g["forms"][text] += n
            g["labels"][e.get("label") or ""] += n
            g["count"] += n
            g["articles"].add(a.id)
    out = []
    for g in groups.values():
        out.append(
            {
                "text": g["forms"].most_common(1)[0][0],
                "label": g["labels"].most_common(1)[0][0],
                "count": g["count"],
                "n_articles": len(g["articles"]),
                "forms": sorted(g["forms"], key=len, reverse=True),
            }
        )
    # A name only one headline used once is usually NER mistaking Title Case for a name.
    out = [e for e in out if e["n_articles"] >= 2 or e["count"] >= 2]
    out.sort(key=lambda e: (-e["n_articles"], -e["count"], e["text"]))
    return out


def entity_hits(texts: list[str], entities: list[dict[str, Any]]) -> np.ndarray:
    """(sentences x entities) booleans: does the sentence name the entity (any of its forms)."""
    hits = np.zeros((len(texts), len(entities)), dtype=bool)
    for j, e in enumerate(entities):
        pat = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(f) for f in e["forms"]) + r")(?!\w)", re.I
        )
        for i, t in enumerate(texts):
            if pat.search(t):
                hits[i, j] = True
    return hits
