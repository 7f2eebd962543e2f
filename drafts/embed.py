"""Sentence vectors for centrality and near-duplicate tests, from one cached model.

The builder takes any `encode(texts) -> (n, d) L2-normalised float32 array`; the stage passes
the clustering embedder's, or, when [drafts] embedding_model names another model, one loaded
through clustering.embed (the project's one loader, all backends).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from clustering.embed import load_embedder

logger = logging.getLogger(__name__)

Encoder = Callable[[Sequence[str]], np.ndarray]


def get_encoder(model: str, batch_size: int = 32, precision: str = "float32") -> Encoder:
    """An encoder over the named model (any backend clustering knows), loaded once per
    process by clustering's one loader."""
    return load_embedder(model, batch_size, precision=precision).encode


def unit(v: np.ndarray) -> np.ndarray:
    """v scaled to length 1 (a zero vector stays zero)."""
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def cached(encode: Encoder, max_items: int) -> Encoder:
    """`encode` with an in-memory LRU of sentence -> vector: a living story is redrafted each
    time it gains an article, and its old sentences need not be embedded again."""
    if max_items <= 0:
        return encode
    store: OrderedDict[str, np.ndarray] = OrderedDict()

    def enc(texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in store))
        if missing:
            for t, v in zip(missing, encode(missing), strict=True):
                store[t] = v
        if not texts:
            return encode([])
        out = np.stack([store[t] for t in texts])
        for t in texts:
            store.move_to_end(t)
        while len(store) > max_items:
            store.popitem(last=False)
        return out

    return enc


_ENCODERS: dict[tuple, Encoder] = {}  # one cached encoder per model and cache size


def encoder_for(config: Any) -> Encoder:
    """The sentence encoder: drafts.embedding_model when set, else the clustering model,
    shared with the clustering stage so one process loads it once."""
    s = config.drafts
    name = s.embedding_model or config.clustering.model
    key = (name, s.embed_batch_size, s.embedding_cache)
    if key not in _ENCODERS:
        if s.embedding_model:
            raw = get_encoder(
                s.embedding_model, s.embed_batch_size, config.clustering.embed_precision
            )
        else:
            from clustering.embed import get_embedder

            raw = get_embedder(config.clustering).encode
        _ENCODERS[key] = cached(raw, s.embedding_cache)
    return _ENCODERS[key]
