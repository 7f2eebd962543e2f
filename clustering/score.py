"""The join score: a linear function of named features of (article, live story).

    score = bias + sum_k w_k * feature_k        join the best story when score >= threshold

Why linear over named features: each decision can be stored with its feature values
(``Decision.features``), and editor corrections then give labelled examples
(features of the chosen story -> 1, of the rejected best candidate -> 0). A logistic
regression on those rows learns ``w_k`` and ``bias`` directly; the threshold then is the
log-odds at which a join is preferred (0 for p = 0.5), so settings can be replaced by
learned weights without touching code.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

from clustering.settings import ClusteringSettings
from clustering.state import ArticleFeatures, StoryState

FEATURES = ("cosine", "title", "entity", "entity_share", "same_source", "recency")


def features(
    art: ArticleFeatures, story: StoryState, now: datetime, settings: ClusteringSettings
) -> dict[str, float]:
    """Each feature lies in [0, 1] (cosines in [-1, 1]) so weights are comparable."""
    v = np.asarray(art.vector, dtype=np.float32)
    cosine = float(story.centroid @ v)
    recent = story.recent_vecs
    title = float((recent @ v).max()) if recent is not None and len(recent) else cosine
    ents = art.entities
    if ents and story.n:
        hits = [story.entities.get(e, 0) for e in ents]
        entity = sum(1 for h in hits if h > 0) / len(ents)
        entity_share = sum(min(1.0, h / story.n) for h in hits) / len(ents)
    else:
        entity = entity_share = 0.0
    same_source = 1.0 if story.sources.get(art.source, 0) > 0 else 0.0
    hours = max(0.0, (now - story.last).total_seconds() / 3600.0) if story.last else 0.0
    recency = math.exp(-hours / settings.cooldown_hours)
    return {
        "cosine": cosine,
        "title": title,
        "entity": entity,
        "entity_share": entity_share,
        "same_source": same_source,
        "recency": recency,
    }


def weights(settings: ClusteringSettings) -> dict[str, float]:
    return {
        "cosine": settings.w_cosine,
        "title": settings.w_title,
        "entity": settings.w_entity,
        "entity_share": settings.w_entity_share,
        "same_source": settings.w_same_source,
        "recency": settings.w_recency,
    }


def score(feats: dict[str, float], settings: ClusteringSettings) -> float:
    w = weights(settings)
    return settings.bias + sum(w[k] * feats[k] for k in FEATURES)
