"""Streaming story assignment: each article joins its best live story or opens a new one.

Only live stories (an article within ``window_hours``) are candidates. They are found
through two HNSW indexes, one over story centroids and one over each story's recent
member vectors (a second chance for an article close to a story's latest headlines but
far from its drifting centroid), so the cost per article stays flat as the store grows.
The decision itself is the linear score of clustering/score.py.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from clustering.ann import VectorIndex
from clustering.event import StoryFrequencies, story_keys
from clustering.score import features, foreign, prepare, score, weights
from clustering.state import (
    ArticleFeatures,
    StoryState,
    merged_state,
    story_state_from_articles,
)
from clustering.words import DocFrequencies
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

__all__ = [
    "ArticleFeatures",
    "Decision",
    "StreamingClusterer",
    "story_state_from_articles",
]


@dataclass
class Decision:
    """Where an article goes and why: ``features`` are the values behind ``score``."""

    story_id: int | str | None
    score: float
    features: dict[str, float] = field(default_factory=dict)
    candidates: int = 0


class StreamingClusterer:
    """The live-story index; stateful by nature (indexes + running story summaries)."""

    def __init__(self, settings: ClusteringSettings) -> None:
        self.settings = settings
        self.stories: dict[Hashable, StoryState] = {}
        self._centroids: VectorIndex | None = None
        self._members: VectorIndex | None = None
        self._xcentroids: VectorIndex | None = None  # cross-lingual centroids, when kept
        self._member_story: dict[Hashable, Hashable] = {}
        self._member_keys: dict[Hashable, set] = {}
        self._indexed: dict[Hashable, np.ndarray] = {}  # centroid as the index holds it
        self._expiry: list[tuple[datetime, int, Hashable]] = []
        self._tick = 0
        self.df = DocFrequencies()  # title-word frequencies over the live stories
        self.sf = StoryFrequencies()  # in how many live stories each name/word/action is

    # --- loading and bookkeeping --------------------------------------------------------
    def _ensure_index(self, dim: int) -> None:
        if self._centroids is not None:
            return
        s = self.settings
        kw = {"m": s.index_m, "ef": s.index_ef, "ef_construction": s.index_ef_construction}
        self._centroids = VectorIndex(dim, **kw)
        self._members = VectorIndex(dim, **kw)

    def _xindex(self, dim: int) -> VectorIndex:
        """The index of cross-lingual centroids: a German article finds an English story
        here, where the main (English) embedding does not place them near."""
        if self._xcentroids is None:
            s = self.settings
            kw = {"m": s.index_m, "ef": s.index_ef, "ef_construction": s.index_ef_construction}
            self._xcentroids = VectorIndex(dim, **kw)
        return self._xcentroids

    def _index_story(self, story_id: Hashable, st: StoryState) -> None:
        """(Re)index a story's centroid and its recent members; O(recent) per call."""
        self._ensure_index(int(st.vsum.shape[0]))
        assert self._centroids is not None and self._members is not None
        assert st.recent_vecs is not None
        self.stories[story_id] = st
        centroid = st.centroid
        indexed = self._indexed.get(story_id)
        if indexed is None or float(indexed @ centroid) < self.settings.reindex_cosine:
            # An HNSW move costs an insertion; the scores always use the exact state, so the
            # index point only needs to stay close enough for the story to be found.
            self._centroids.upsert(story_id, centroid)
            self._indexed[story_id] = centroid
            xc = st.xcentroid
            if xc is not None:
                self._xindex(int(xc.shape[0])).upsert(story_id, xc)
            elif self._xcentroids is not None and story_id in self._xcentroids:
                self._xcentroids.remove(story_id)
        wanted = {
            ("m", story_id, aid): vec
            for aid, vec in zip(st.recent_ids, st.recent_vecs, strict=True)
        }
        old = self._member_keys.get(story_id, set())
        for key in old - wanted.keys():
            self._members.remove(key)
            self._member_story.pop(key, None)
        for key, vec in wanted.items():
            if key not in old:
                self._members.upsert(key, vec)
                self._member_story[key] = story_id
        self._member_keys[story_id] = set(wanted)
        if st.last is not None:
            self._tick += 1
            heapq.heappush(self._expiry, (st.last, self._tick, story_id))

    def add_story(self, story_id: Hashable, state: dict) -> None:
        """Load a live story from its stored JSON state (daemon start, editor rebuilds)."""
        if story_id in self.stories:
            raise ValueError(f"story {story_id!r} already exists")
        st = StoryState.from_json(state)
        self.df.add(st.words, st.n)
        self.sf.add_story(_keys(st))
        self._index_story(story_id, st)

    def add_stories(self, states: Mapping[Hashable, dict | StoryState]) -> None:
        """Load many live stories at once (daemon start): the indexes are built in one batch,
        which at 100k live stories takes seconds instead of minutes. Each value is a stored
        JSON state or a StoryState."""
        parsed = {
            sid: st if isinstance(st, StoryState) else StoryState.from_json(st)
            for sid, st in states.items()
        }
        if not parsed:
            return
        if any(sid in self.stories for sid in parsed):
            raise ValueError("some of these stories are already loaded")
        self._ensure_index(int(next(iter(parsed.values())).vsum.shape[0]))
        assert self._centroids is not None and self._members is not None
        keys, member_keys, member_vecs = [], [], []
        for sid, st in parsed.items():
            assert st.recent_vecs is not None
            self.stories[sid] = st
            self.df.add(st.words, st.n)
            self.sf.add_story(_keys(st))
            keys.append(sid)
            mk = [("m", sid, aid) for aid in st.recent_ids]
            member_keys.extend(mk)
            member_vecs.extend(st.recent_vecs)
            self._member_keys[sid] = set(mk)
            self._member_story.update(dict.fromkeys(mk, sid))
            if st.last is not None:
                self._tick += 1
                heapq.heappush(self._expiry, (st.last, self._tick, sid))
        centroids = np.stack([parsed[k].centroid for k in keys])
        self._centroids.insert_many(keys, centroids)
        xkeys = [k for k in keys if parsed[k].xsum is not None]
        if xkeys:
            xc = np.stack([parsed[k].xcentroid for k in xkeys])
            self._xindex(int(xc.shape[1])).insert_many(xkeys, xc)
        self._indexed.update(zip(keys, centroids, strict=True))
        if member_keys:
            self._members.insert_many(member_keys, np.stack(member_vecs))

    def state(self, story_id: Hashable) -> dict:
        return self.stories[story_id].to_json()

    # --- the decision ---------------------------------------------------------------------
    def candidates(self, art: ArticleFeatures) -> set[Hashable]:
        if self._centroids is None or self._members is None:
            return set()
        found = {sid for sid, _ in self._centroids.search(art.vector, self.settings.candidates)}
        for key, _ in self._members.search(art.vector, self.settings.member_candidates):
            sid = self._member_story.get(key)
            if sid is not None:
                found.add(sid)
        if art.xvector is not None and self._xcentroids is not None:
            # Across languages: an article the main model cannot read may join any story; one
            # it can read only stories holding such articles (the others it finds above).
            s = self.settings
            anywhere = foreign(art.lang, s)
            for sid, _ in self._xcentroids.search(art.xvector, s.candidates):
                st = self.stories.get(sid)
                if st is not None and (anywhere or any(foreign(la, s) for la in st.langs)):
                    found.add(sid)
        return found

    def decide(self, art: ArticleFeatures) -> Decision:
        """Best-scoring live story, or None (open a new story) below the threshold."""
        horizon = art.published - timedelta(hours=self.settings.window_hours)
        best: Decision | None = None
        cands = self.candidates(art)
        prep = prepare(art, self.df, self.sf)
        w = weights(self.settings)
        for sid in cands:
            st = self.stories.get(sid)
            if st is None or (st.last is not None and st.last < horizon):
                continue
            feats = features(art, st, art.published, self.settings, self.df, self.sf, prep)
            sc = score(feats, self.settings, w)
            if best is None or sc > best.score:
                best = Decision(sid, sc, feats, len(cands))
        if best is None:
            return Decision(None, float("-inf"), {}, len(cands))
        if best.score < self.settings.threshold:
            best.story_id = None
        return best

    # --- updates --------------------------------------------------------------------------
    def add_article(self, story_id: Hashable, art: ArticleFeatures) -> dict:
        """Add a member to a live story (re-indexing its centroid); returns the new state."""
        st = self.stories.get(story_id)
        if st is None:
            raise KeyError(f"story {story_id!r} is not live in the index")
        fresh = _absent_keys(st, art)
        st.add(art, self.settings.recent_members)
        self.sf.add_keys(fresh)
        self.df.add(art.words)
        self._index_story(story_id, st)
        return st.to_json()

    def new_story(self, story_id: Hashable, art: ArticleFeatures) -> dict:
        if story_id in self.stories:
            raise ValueError(f"story {story_id!r} already exists")
        st = StoryState.empty(int(art.vector.shape[0]))
        st.add(art, self.settings.recent_members)
        self.sf.add_story(_keys(st))
        self.df.add(art.words)
        self._index_story(story_id, st)
        return st.to_json()

    def remove_article(self, story_id: Hashable, art: ArticleFeatures) -> dict | None:
        """Take a member out (editor move); an emptied story leaves the index (None)."""
        st = self.stories.get(story_id)
        if st is None:
            return None
        st.remove(art)
        self.sf.remove_keys(_absent_keys(st, art))
        self.df.remove(art.words)
        if st.n == 0:
            self.remove_story(story_id)
            return None
        self._index_story(story_id, st)
        return st.to_json()

    def remove_story(self, story_id: Hashable) -> None:
        st = self.stories.pop(story_id, None)
        if st is None or self._centroids is None or self._members is None:
            return
        self.df.remove(st.words, st.n)
        self.sf.remove_story(_keys(st))
        self._centroids.remove(story_id)
        self._indexed.pop(story_id, None)
        if self._xcentroids is not None and story_id in self._xcentroids:
            self._xcentroids.remove(story_id)
        for key in self._member_keys.pop(story_id, set()):
            self._members.remove(key)
            self._member_story.pop(key, None)

    def replace_story(self, story_id: Hashable, state: dict) -> None:
        """Swap in a rebuilt state (after a merge or split computed elsewhere)."""
        self.remove_story(story_id)
        self.add_story(story_id, state)

    # --- consolidation (clustering/consolidate.py) ------------------------------------
    def nearest_stories(self, vector: np.ndarray, k: int) -> list[Hashable]:
        """The live stories whose centroids are nearest `vector`."""
        if self._centroids is None:
            return []
        return [sid for sid, _ in self._centroids.search(vector, k) if sid in self.stories]

    def nearest_cross_stories(self, xvector: np.ndarray, k: int) -> list[Hashable]:
        """The live stories whose cross-lingual centroids are nearest `xvector`."""
        if self._xcentroids is None:
            return []
        return [sid for sid, _ in self._xcentroids.search(xvector, k) if sid in self.stories]

    def merge_stories(self, keep: Hashable, gone: Hashable) -> dict:
        """Fold live story `gone` into `keep`; returns keep's new state."""
        a, b = self.stories[keep], self.stories[gone]
        state = merged_state(a, b, self.settings.recent_members)
        had = set(_keys(a))
        self.remove_story(gone)
        self.df.add(b.words, b.n)  # its articles stay live, now in `keep`
        self.sf.add_keys(k for k in _keys(state) if k not in had)
        self._index_story(keep, state)
        return state.to_json()

    def split_story(
        self,
        story_id: Hashable,
        new_id: Hashable,
        keep: list[ArticleFeatures],
        off: list[ArticleFeatures],
    ) -> tuple[dict, dict]:
        """Rebuild `story_id` from `keep` and open `new_id` from `off`; returns both states."""
        self.remove_story(story_id)
        self.add_story(story_id, story_state_from_articles(keep, self.settings.recent_members))
        self.add_story(new_id, story_state_from_articles(off, self.settings.recent_members))
        return self.state(story_id), self.state(new_id)

    def expire(self, now: datetime) -> list:
        """Stories whose last article is older than the live window leave the index."""
        horizon = now - timedelta(hours=self.settings.window_hours)
        gone = []
        while self._expiry and self._expiry[0][0] < horizon:
            last, _, sid = heapq.heappop(self._expiry)
            st = self.stories.get(sid)
            if st is not None and st.last is not None and st.last < horizon:
                self.remove_story(sid)
                gone.append(sid)
        return gone


def _keys(st: StoryState) -> list[str]:
    return story_keys(st.entities, st.words, st.actions)


def _absent_keys(st: StoryState, art: ArticleFeatures) -> list[str]:
    """The article's keys the story does not hold: O(article), not O(story)."""
    return story_keys(
        [e for e in art.entities if not st.entities.get(e)],
        [w for w in art.words if not st.words.get(w)],
        [a for a in art.actions or () if not st.actions.get(a)],
    )
