"""The story's headline and dek: what an editor would keep from real, messy pages.

Candidates are the members' titles (the crawler stores trafilatura's title, which comes from
og:title, the feed entry or <title>), cleaned of outlet suffixes and wire credits. A
candidate that is page furniture by its shape (drafts.shape: kicker, breadcrumb, byline,
date, section label) never competes; among the rest the most central title wins. With no
usable title, the most central short claim of the story stands in. The dek is the most
central short sentence that is a real claim (drafts.shape.is_claim), not the headline again.
"""

from __future__ import annotations

import logging

import numpy as np

from core.settings.drafts import DraftSettings
from drafts.candidates import Article, Pool
from drafts.embed import Encoder, unit
from drafts.shape import is_claim, is_title
from drafts.text import clean_headline, word_count

logger = logging.getLogger(__name__)


def title_candidates(articles: list[Article], s: DraftSettings) -> list[tuple[str, str]]:
    """(raw, cleaned) titles that are titles by shape, in member order."""
    outlets = {a.outlet for a in articles}
    out = []
    for a in articles:
        raw = a.title
        if not raw:
            continue
        cleaned = clean_headline(raw, outlets)
        ok = is_title(raw, a.author, s.headline_min_words, s.headline_max_words) or is_title(
            cleaned, a.author, s.headline_min_words, s.headline_max_words
        )
        if (
            cleaned
            and ok
            and is_title(cleaned, a.author, s.headline_min_words, s.headline_max_words)
        ):
            out.append((raw, cleaned))
        elif raw:
            logger.debug("title %r is not a headline by its shape", raw)
    return out


def pick_headline(articles: list[Article], pool: Pool, encode: Encoder, s: DraftSettings) -> str:
    """The most central title; a title cut short ("...") loses to a whole one."""
    pairs = title_candidates(articles, s)
    if not pairs:
        return _fallback(pool, s)
    vecs = encode([c for _, c in pairs])
    centre = pool.centroid if pool.centroid.shape[0] == vecs.shape[1] and pool.texts else None
    if centre is None or not np.any(centre):
        centre = unit(vecs.mean(axis=0))
    score = vecs @ centre
    cut = np.array([r.rstrip().endswith(("...", "…")) for r, _ in pairs])
    score = score - s.headline_truncated_penalty * cut
    return pairs[int(np.argmax(score))][1]


def _fallback(pool: Pool, s: DraftSettings) -> str:
    if not pool.texts:
        return ""
    for i in map(int, np.argsort(-(pool.vecs @ pool.centroid))):
        t = pool.texts[i]
        if is_claim(t, pool.finite[i]) and word_count(t) <= s.dek_max_words:
            return t
    return pool.texts[int(np.argmax(pool.vecs @ pool.centroid))]


def pick_dek(
    pool: Pool, headline: str, encode: Encoder, s: DraftSettings
) -> tuple[str, int | None]:
    """The most central short claim that is not the headline again."""
    if not pool.texts:
        return "", None
    hv = encode([headline])[0] if headline else None
    for i in map(int, np.argsort(-(pool.vecs @ pool.centroid))):
        text = pool.texts[i]
        real = is_title(text) if pool.sent_i[i] < 0 else is_claim(text, pool.finite[i])
        if word_count(text) > s.dek_max_words or not real:
            continue
        if text == headline or (hv is not None and float(pool.vecs[i] @ hv) >= s.near_duplicate):
            continue
        return text, i
    return "", None
