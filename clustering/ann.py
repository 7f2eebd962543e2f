"""A mutable nearest-neighbour index over unit vectors (HNSW via hnswlib).

Live-story centroids move with each new member and stories leave when they expire, so
the index must support update and delete; hnswlib does both in place and answers in
roughly logarithmic time, which keeps the cost per article flat as the store grows.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable

import hnswlib
import numpy as np

logger = logging.getLogger(__name__)


class VectorIndex:
    """Keys of any hashable kind map to HNSW labels; deleted slots are reused."""

    def __init__(self, dim: int, *, m: int, ef: int, ef_construction: int, capacity: int = 1024):
        self.dim = dim
        self._ef = ef
        self._index = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(
            max_elements=capacity, M=m, ef_construction=ef_construction, allow_replace_deleted=True
        )
        self._index.set_ef(ef)
        self._label_of: dict[Hashable, int] = {}
        self._key_of: dict[int, Hashable] = {}
        self._next_label = 0
        self._deleted = 0

    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._label_of

    def upsert(self, key: Hashable, vector: np.ndarray) -> None:
        """Insert, or move the key's point to a new vector (a centroid that drifted)."""
        vec = np.asarray(vector, dtype=np.float32).reshape(1, self.dim)
        label = self._label_of.get(key)
        if label is not None:
            self._index.add_items(vec, np.array([label]), num_threads=1)
            return
        replace = self._deleted > 0
        if not replace and self._index.get_current_count() >= self._index.get_max_elements():
            self._index.resize_index(2 * self._index.get_max_elements())
        label = self._next_label
        self._next_label += 1
        self._index.add_items(vec, np.array([label]), num_threads=1, replace_deleted=replace)
        if replace:
            self._deleted -= 1
        self._label_of[key] = label
        self._key_of[label] = key

    def insert_many(self, keys: list[Hashable], vectors: np.ndarray) -> None:
        """Insert new keys in one batch (daemon start loading every live story): one
        multi-threaded HNSW build instead of one call per key."""
        if any(k in self._label_of for k in keys):
            raise ValueError("insert_many is for new keys; use upsert to move a point")
        if not keys:
            return
        vecs = np.asarray(vectors, dtype=np.float32).reshape(len(keys), self.dim)
        need = self._index.get_current_count() + len(keys)
        if need > self._index.get_max_elements():
            self._index.resize_index(max(need, 2 * self._index.get_max_elements()))
        labels = np.arange(self._next_label, self._next_label + len(keys))
        self._next_label += len(keys)
        self._index.add_items(vecs, labels)
        for key, label in zip(keys, labels.tolist(), strict=True):
            self._label_of[key] = label
            self._key_of[label] = key

    def remove(self, key: Hashable) -> None:
        label = self._label_of.pop(key, None)
        if label is None:
            return
        del self._key_of[label]
        self._index.mark_deleted(label)
        self._deleted += 1

    def search(self, vector: np.ndarray, k: int) -> list[tuple[Hashable, float]]:
        """Up to ``k`` (key, cosine) pairs, best first."""
        n = len(self._label_of)
        if n == 0 or k <= 0:
            return []
        k = min(k, n)
        self._index.set_ef(max(self._ef, k))
        vec = np.asarray(vector, dtype=np.float32).reshape(1, self.dim)
        while True:
            try:
                labels, dists = self._index.knn_query(vec, k=k, num_threads=1)
                break
            except RuntimeError:  # fewer reachable points than k (many deletions nearby)
                if k == 1:
                    return []
                k = max(1, k // 2)
        return [
            (self._key_of[int(lab)], 1.0 - float(d))
            for lab, d in zip(labels[0], dists[0], strict=True)
            if int(lab) in self._key_of
        ]
