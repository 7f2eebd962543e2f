"""The join score: a linear function of named features of (article, live story).

    score = bias + sum_k w_k * feature_k        join the best story when score >= threshold

Why linear over named features: each decision can be stored with its feature values
(``Decision.features``), and editor corrections then give labelled examples
(features of the chosen story -> 1, of the rejected best candidate -> 0). A logistic
regression on those rows learns ``w_k`` and ``bias`` directly; the threshold then is the
log-odds at which a join is preferred (0 for p = 0.5), so settings can be replaced by
learned weights without touching code. The default weights were fitted that way on
teacher-forced (article, live story) pairs of half of the UCI development stories.

The features mix three views of a story: its centroid (cosine), its members one by one
(title, title_top, average: closer to average-link clustering, which an online centroid
alone cannot match), and its vocabulary (entities, IDF-weighted title words), plus time
(recency: stories cool down) and outlet (a wire's updates of its own story).
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from clustering.event import EVENT_FEATURES, StoryFrequencies, article_idf, event_features
from clustering.state import ArticleFeatures, StoryState
from clustering.words import DocFrequencies
from core.settings.clustering import ClusteringSettings

FEATURES = (
    "cosine",
    "title",
    "title_top",
    "average",
    "cohesion",
    "entity",
    "entity_share",
    "words",
    "word_share",
    "same_source",
    "recency",
    "size",
    *EVENT_FEATURES,
)
TOP_MEMBERS = 3  # title_top: mean cosine to this many most similar recent members
# Features computed from the surface words of titles: they cannot match across languages,
# so where the article shares no language with the story they are unknown, not zero.
LANGUAGE_BOUND = ("words", "word_share", "word_idf", "action")


def prepare(
    art: ArticleFeatures, df: DocFrequencies | None, sf: StoryFrequencies | None
) -> dict[str, dict[str, float]]:
    """What features() needs of the article alone (its words' IDFs), computed once when
    one article is scored against many stories."""
    return {
        "df": {w: (df.idf(w) if df is not None else 1.0) for w in art.words},
        **article_idf(art, sf),
    }


def _word_features(idf: dict[str, float], story: StoryState) -> tuple[float, float]:
    """IDF-weighted share of the article's title words the story has used (words), and
    how typical each is of the story (word_share: fraction of members using it)."""
    if not idf or not story.n:
        return 0.0, 0.0
    total = sum(idf.values())
    seen = sum(v for w, v in idf.items() if story.words.get(w, 0) > 0)
    share = sum(v * min(1.0, story.words.get(w, 0) / story.n) for w, v in idf.items())
    return seen / total, share / total


def foreign(lang: str, settings: ClusteringSettings) -> bool:
    """A language the main model cannot read; unknown ("") counts as readable."""
    return bool(lang) and lang not in settings.model_languages


def cross_lingual(art: ArticleFeatures, story: StoryState, settings: ClusteringSettings) -> bool:
    """Compare through the cross-lingual embedding when the article or a member is in a
    language the main model cannot read (and both sides have a cross-lingual vector)."""
    if art.xvector is None or story.xsum is None:
        return False
    return foreign(art.lang, settings) or any(foreign(la, settings) for la in story.langs)


def _word_group(lang: str, settings: ClusteringSettings) -> str:
    """Languages whose titles share words: each foreign one alone, the main model's
    languages and unknown ("") together."""
    return lang if foreign(lang, settings) else ""


def words_comparable(art: ArticleFeatures, story: StoryState, settings: ClusteringSettings) -> bool:
    """Whether the article's title words can match the story's: some member is in the
    article's language (always so when the story has no member languages recorded)."""
    if not story.langs:
        return True
    group = _word_group(art.lang, settings)
    return any(_word_group(la, settings) == group for la in story.langs)


def stories_cross_lingual(a: StoryState, b: StoryState, settings: ClusteringSettings) -> bool:
    """cross_lingual() for two stories (consolidation): a member of either is in a language
    the main model cannot read, and both have a cross-lingual sum."""
    if a.xsum is None or b.xsum is None:
        return False
    return any(foreign(la, settings) for la in (*a.langs, *b.langs))


def stories_share_words(a: StoryState, b: StoryState, settings: ClusteringSettings) -> bool:
    """words_comparable() for two stories: some member of each is in one word group."""
    if not a.langs or not b.langs:
        return True
    return bool(
        {_word_group(la, settings) for la in a.langs}
        & {_word_group(la, settings) for la in b.langs}
    )


def _cosines(
    art: ArticleFeatures, story: StoryState, settings: ClusteringSettings
) -> tuple[float, float, float, float, float]:
    """(cosine, title, title_top, average, cohesion): in the main embedding, or, across
    languages, in the cross-lingual one mapped onto the main one's scale (it keeps no
    per-member vectors, so title and title_top are its centroid cosine)."""
    n = max(1, story.n)
    if cross_lingual(art, story, settings):
        assert art.xvector is not None and story.xsum is not None
        x = np.asarray(art.xvector, dtype=np.float32)
        xnorm = float(np.linalg.norm(story.xsum))
        raw = float(story.xsum @ x)
        a, b = settings.cross_offset, settings.cross_scale
        cosine = a + b * (raw / xnorm if xnorm > 0 else 0.0)
        return cosine, cosine, cosine, a + b * raw / n, xnorm / n
    v = np.asarray(art.vector, dtype=np.float32)
    norm = float(np.linalg.norm(story.vsum))
    cosine = float(story.vsum @ v) / norm if norm > 0 else 0.0
    recent = story.recent_vecs
    if recent is not None and len(recent):
        sims = recent @ v
        title = float(sims.max())
        title_top = float(np.sort(sims)[-TOP_MEMBERS:].mean())
    else:
        title = title_top = cosine
    return cosine, title, title_top, float(story.vsum @ v) / n, norm / n


def features(
    art: ArticleFeatures,
    story: StoryState,
    now: datetime,
    settings: ClusteringSettings,
    df: DocFrequencies | None = None,
    sf: StoryFrequencies | None = None,
    prep: dict[str, dict[str, float]] | None = None,
) -> dict[str, float]:
    """Each feature lies in [0, 1] (cosines in [-1, 1]; size is log n) so weights compare.
    `prep` is prepare(art, df, sf), when one article is scored against many stories."""
    n = max(1, story.n)
    cosine, title, title_top, average, cohesion = _cosines(art, story, settings)
    ents = art.entities
    if ents and story.n:
        hits = [story.entities.get(e, 0) for e in ents]
        entity = sum(1 for h in hits if h > 0) / len(ents)
        entity_share = sum(min(1.0, h / story.n) for h in hits) / len(ents)
    else:
        entity = entity_share = 0.0
    prep = prep if prep is not None else prepare(art, df, sf)
    words, word_share = _word_features(prep["df"], story)
    # An unknown outlet ("") is no evidence that the outlet already reported the story.
    same_source = 1.0 if art.source and story.sources.get(art.source, 0) > 0 else 0.0
    hours = max(0.0, (now - story.last).total_seconds() / 3600.0) if story.last else 0.0
    feats = {
        "cosine": cosine,
        "title": title,
        "title_top": title_top,
        "average": average,  # mean cosine to all members (average link)
        "cohesion": cohesion,  # how tight the story is: 1 for identical members
        "entity": entity,
        "entity_share": entity_share,
        "words": words,
        "word_share": word_share,
        "same_source": same_source,
        "recency": math.exp(-hours / settings.cooldown_hours),
        "size": math.log(n),
        **event_features(art, story, now, settings, sf, prep),
    }
    if cross_lingual(art, story, settings) and not words_comparable(art, story, settings):
        # No shared words is no evidence against a join in another language: the
        # word-bound features take a neutral value fitted on cross-lingual pairs.
        feats.update(dict.fromkeys(LANGUAGE_BOUND, settings.cross_word_fill))
    return feats


def weights(settings: ClusteringSettings) -> dict[str, float]:
    return {k: float(getattr(settings, f"w_{k}")) for k in FEATURES}


def score(
    feats: dict[str, float], settings: ClusteringSettings, w: dict[str, float] | None = None
) -> float:
    """The linear score; `w` is weights(settings), when the caller scores many pairs."""
    w = w if w is not None else weights(settings)
    return settings.bias + sum(w[k] * feats[k] for k in FEATURES)
