"""Periodic consolidation: merge live stories that converged, split one that drifted in two.

Streaming assignment sees each article once, so a story can open twice (two outlets'
first headlines looked unalike) and later converge, or a story can absorb a neighbour's
articles and hold two stories. Every `consolidate_every` placed articles the stage looks
again at the stories touched since the last look:

- merge: each touched story against its nearest live stories (centroid index). The pair
  score is a linear function of story-to-story features: average link (mean cosine over
  all member pairs, from the vector sums alone), IDF-weighted title-word similarity and
  entity similarity. Pairs are merged greedily, best first, while the best is above
  ``merge_threshold``; the larger story keeps its id.
- split: a touched story with enough members is bisected by spherical 2-means over all
  its member vectors; the two parts are scored with the same pair score and split when it
  is below ``split_threshold`` (lower than the merge threshold, so a split is never merged
  straight back).

Stories an editor has shaped (``locked``) are never merged or split: what an editor
decided is not undone here. Each change comes back with its score and features, the
reason the stage stores in the audit log and writes to the structured log.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.guards import merge_veto, plan_pause_split
from clustering.score import stories_cross_lingual, stories_share_words
from clustering.state import ArticleFeatures, StoryState
from clustering.streaming import StreamingClusterer
from clustering.words import DocFrequencies
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

PAIR_FEATURES = ("average", "words", "entities")
KMEANS_ROUNDS = 10  # 2-means converges in a few rounds on unit vectors


@dataclass
class Change:
    """One consolidation: ``kind`` "merge" folds ``other`` into ``story``; "split" moves
    ``articles`` out of ``story`` into the new ``other``."""

    kind: str
    story: Hashable
    other: Hashable
    score: float
    features: dict[str, float]
    articles: list = field(default_factory=list)

    @property
    def reason(self) -> str:
        feats = ", ".join(f"{k} {v:.2f}" for k, v in self.features.items())
        if self.kind == "merge":
            return f"stories converged: pair score {self.score:.2f} ({feats})"
        if "pause" in self.features:
            return f"story came in two bursts: a pause of {self.score:.1f} times its pace"
        return f"story drifted in two: score between the parts {self.score:.2f} ({feats})"


def weighted_cosine(a: Counter, b: Counter, weight: Callable[[str], float]) -> float:
    if not a or not b:
        return 0.0
    wa = {k: v * weight(k) for k, v in a.items() if v > 0}
    wb = {k: v * weight(k) for k, v in b.items() if v > 0}
    dot = sum(v * wb.get(k, 0.0) for k, v in wa.items())
    na = math.sqrt(sum(v * v for v in wa.values()))
    nb = math.sqrt(sum(v * v for v in wb.values()))
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def pair_features(
    a: StoryState,
    b: StoryState,
    df: DocFrequencies | None,
    settings: ClusteringSettings,
) -> dict[str, float]:
    """Story-to-story similarity; the average link is exact from the vector sums:
    mean over member pairs of cos(x, y) = (sum_a . sum_b) / (n_a n_b). Across languages
    it is taken, as the join score takes it, in the cross-lingual
    embedding mapped onto the main one's scale, and the title-word cosine of stories that
    share no language is the neutral cross_word_fill (their words cannot match)."""
    n = max(1, a.n) * max(1, b.n)
    idf = df.idf if df is not None else (lambda _w: 1.0)
    average = float(a.vsum @ b.vsum) / n
    words = weighted_cosine(a.words, b.words, idf)
    if stories_cross_lingual(a, b, settings):
        assert a.xsum is not None and b.xsum is not None
        average = settings.cross_offset + settings.cross_scale * float(a.xsum @ b.xsum) / n
        if not stories_share_words(a, b, settings):
            words = settings.cross_word_fill
    return {
        "average": average,
        "words": words,
        "entities": weighted_cosine(a.entities, b.entities, lambda _e: 1.0),
    }


def pair_score(feats: dict[str, float], settings: ClusteringSettings) -> float:
    return sum(float(getattr(settings, f"merge_w_{k}")) * feats[k] for k in PAIR_FEATURES)


def _scored(
    memo: dict, a: StoryState, b: StoryState, df: DocFrequencies | None, s: ClusteringSettings
) -> tuple[dict[str, float], float]:
    """pair_features and pair_score of two story states, remembered for one consolidation.

    Each merge rescans every touched story's neighbours, so without it a pass that made m
    merges scored most pairs m times (the 181 benchmark pages: 13,000 scorings for 12
    merges, a quarter of the cluster stage). A merge gives the kept story a new state object and
    leaves the doc frequencies as they were (its articles stay live), so a pair of
    unchanged states scores as before; the memo holds the states, so their ids stay theirs.
    """
    key = (id(a), id(b))
    hit = memo.get(key)
    if hit is None:
        feats = pair_features(a, b, df, s)
        hit = memo[key] = (a, b, feats, pair_score(feats, s))
    return hit[2], hit[3]


def _best_merge(
    cl: StreamingClusterer,
    touched: set,
    locked: Callable[[Hashable], bool],
    refused: set,
    memo: dict,
) -> Change | None:
    s = cl.settings
    best: Change | None = None
    for sid in touched:
        st = cl.stories.get(sid)
        if st is None or locked(sid):
            continue
        near = cl.nearest_stories(st.centroid, s.merge_candidates)
        if st.xcentroid is not None:  # across languages the main embedding places far apart
            near += cl.nearest_cross_stories(st.xcentroid, s.merge_candidates)
        for oid in dict.fromkeys(near):
            if oid == sid or locked(oid):
                continue
            other = cl.stories[oid]
            feats, sc = _scored(memo, st, other, cl.df, s)
            if sc >= s.merge_threshold and (best is None or sc > best.score):
                pair = frozenset((sid, oid))
                if pair in refused:
                    continue
                veto = merge_veto(st, other, feats, s, cl.sf)
                if veto is not None:
                    refused.add(pair)
                    logger.info(
                        "merge refused",
                        extra={"story": sid, "other": oid, "score": round(sc, 4), "reason": veto},
                    )
                    continue
                first = (st.n, -_order(sid)) >= (other.n, -_order(oid))
                keep, gone = (sid, oid) if first else (oid, sid)
                best = Change("merge", keep, gone, sc, feats)
    return best


def _order(sid: Hashable) -> float:
    """Older (smaller) ids keep their identity on ties; non-numeric ids tie."""
    return float(sid) if isinstance(sid, int | float) else 0.0


def two_means(vectors: np.ndarray) -> np.ndarray:
    """Spherical 2-means, seeded by the member least like the centroid and the member least
    like that one: deterministic, and the seeds sit in the two ends of a drifted story."""
    c = vectors.sum(axis=0)
    c = c / (np.linalg.norm(c) or 1.0)
    a = vectors[int(np.argmin(vectors @ c))]
    b = vectors[int(np.argmin(vectors @ a))]
    centers = np.stack([b, a])
    labels = np.zeros(len(vectors), dtype=int)
    for _ in range(KMEANS_ROUNDS):
        new = np.argmax(vectors @ centers.T, axis=1)
        if new.min() == new.max():
            return new
        if np.array_equal(new, labels):
            break
        labels = new
        centers = np.stack([vectors[labels == k].sum(axis=0) for k in (0, 1)])
        centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    return labels


def plan_split(
    members: Sequence[ArticleFeatures], settings: ClusteringSettings, df: DocFrequencies | None
) -> tuple[list[ArticleFeatures], list[ArticleFeatures], float, dict] | None:
    """(kept part, split-off part, score, features) when the story holds two, else None.
    The larger part keeps the story (its id, its draft, its links)."""
    if len(members) < settings.split_min_members:
        return None
    vecs = np.stack([np.asarray(m.vector, dtype=np.float32) for m in members])
    labels = two_means(vecs)
    parts = [[m for m, lab in zip(members, labels, strict=True) if lab == k] for k in (0, 1)]
    if min(len(p) for p in parts) < settings.split_min_part:
        return None
    states = []
    for part in parts:
        st = StoryState.empty(vecs.shape[1])
        for art in sorted(part, key=lambda a: a.published):
            st.add(art, settings.recent_members)
        states.append(st)
    feats = pair_features(states[0], states[1], df, settings)
    sc = pair_score(feats, settings)
    if sc >= split_bar(len(members), settings):
        return None
    keep, off = sorted(parts, key=len, reverse=True)
    return keep, off, sc, feats


def split_bar(n: int, settings: ClusteringSettings) -> float:
    """The pair score below which a story's two parts are split. A story grown to
    `growth_members` articles, more than events usually gather, is re-examined harder: its
    parts are split unless they would merge again (the merge threshold)."""
    if n >= settings.growth_members:
        return settings.merge_threshold
    return settings.split_threshold


def consolidate(
    cl: StreamingClusterer,
    touched: set,
    *,
    apply: Callable[[Change], None],
    locked: Callable[[Hashable], bool] = lambda _sid: False,
    members: Callable[[Hashable], Sequence[ArticleFeatures]] | None = None,
    new_story_id: Callable[[list[ArticleFeatures]], Hashable] | None = None,
) -> list[Change]:
    """Merge converged and split drifted stories among `touched`, updating the clusterer.

    `apply` records each change in the caller's own books (the store, or the evaluation's
    labels) right after the clusterer made it, so `members` always sees the stories as
    they are now. `locked(story)` is true for stories an editor has shaped: those are
    never merged or split. Splitting needs every member's features (`members`) and a way to open a
    story (`new_story_id`); without them only merges are considered."""
    s = cl.settings
    changes: list[Change] = []
    touched = {sid for sid in touched if sid in cl.stories}
    refused: set = set()
    memo: dict = {}
    while (change := _best_merge(cl, touched, locked, refused, memo)) is not None:
        cl.merge_stories(change.story, change.other)
        touched.discard(change.other)
        touched.add(change.story)
        apply(change)
        changes.append(change)
    if members is None or new_story_id is None:
        return changes
    for sid in sorted(touched, key=_order):
        st = cl.stories.get(sid)
        if st is None or locked(sid) or not (s.split_min_members <= st.n <= s.split_max_members):
            continue
        arts = members(sid)
        pause = plan_pause_split(arts, s)
        if pause is not None:  # the earlier burst keeps the story (its id and draft)
            keep, off, sc = pause
            feats = {"pause": round(sc, 2)}
        else:
            plan = plan_split(arts, s, cl.df)
            if plan is None:
                continue
            keep, off, sc, feats = plan
        new_id = new_story_id(off)
        cl.split_story(sid, new_id, keep, off)
        change = Change("split", sid, new_id, sc, feats, [a.id for a in off])
        apply(change)
        changes.append(change)
    return changes
