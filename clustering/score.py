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
)
TOP_MEMBERS = 3  # title_top: mean cosine to this many most similar recent members


def _word_features(
    art: ArticleFeatures, story: StoryState, df: DocFrequencies | None
) -> tuple[float, float]:
    """IDF-weighted share of the article's title words the story has used (words), and
    how typical each is of the story (word_share: fraction of members using it)."""
    if not art.words or not story.n:
        return 0.0, 0.0
    idf = {w: (df.idf(w) if df is not None else 1.0) for w in art.words}
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
) -> dict[str, float]:
    """Each feature lies in [0, 1] (cosines in [-1, 1]; size is log n) so weights compare."""
    n = max(1, story.n)
    cosine, title, title_top, average, cohesion = _cosines(art, story, settings)
    ents = art.entities
    if ents and story.n:
        hits = [story.entities.get(e, 0) for e in ents]
        entity = sum(1 for h in hits if h > 0) / len(ents)
        entity_share = sum(min(1.0, h / story.n) for h in hits) / len(ents)
    else:
        entity = entity_share = 0.0
    words, word_share = _word_features(art, story, df)
    # An unknown outlet ("") is no evidence that the outlet already reported the story.
    same_source = 1.0 if art.source and story.sources.get(art.source, 0) > 0 else 0.0
    hours = max(0.0, (now - story.last).total_seconds() / 3600.0) if story.last else 0.0
    return {
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
    }


def weights(settings: ClusteringSettings) -> dict[str, float]:
    return {k: float(getattr(settings, f"w_{k}")) for k in FEATURES}


def score(feats: dict[str, float], settings: ClusteringSettings) -> float:
    w = weights(settings)
    return settings.bias + sum(w[k] * feats[k] for k in FEATURES)
