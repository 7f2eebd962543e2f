"""Article features of a labelled file, computed once and cached on disk.

Cross-validation re-runs the streaming clusterer dozens of times over the same articles;
embedding and NER are the expensive part, and they depend only on the file's contents,
the embedding model, the lead length and the entity function. So they are computed once
and kept under ``cache_dir`` (``/tmp/cluster-cache`` unless told otherwise), keyed by a
hash of all four; the streaming and scoring then run in seconds per setting.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from clustering.embed import embed_input, get_embedder
from clustering.entities import SPACY_MODEL, spacy_entities_fn
from clustering.evaluate import LabelledItem
from clustering.state import ArticleFeatures
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

DEFAULT_CACHE = Path("/tmp/cluster-cache")
CACHE_VERSION = "1"


def _key(items: Sequence[LabelledItem], settings: ClusteringSettings) -> str:
    h = hashlib.sha256()
    backend = getattr(settings, "backend", "")
    h.update(
        f"{CACHE_VERSION}|{settings.model}|{backend}|{settings.lead_chars}|{SPACY_MODEL}".encode()
    )
    for it in items:
        h.update(f"\x00{it.id}\x01{it.title}\x01{it.text}".encode())
    return h.hexdigest()[:24]


def cached_features(
    items: Sequence[LabelledItem],
    settings: ClusteringSettings,
    cache_dir: Path | None = DEFAULT_CACHE,
) -> list[ArticleFeatures]:
    """ArticleFeatures of `items` (vectors and entity keys), from the cache when present.
    `cache_dir=None` computes without caching."""
    key = _key(items, settings)
    vec_path = ents_path = None
    vecs: np.ndarray | None = None
    ents: list[frozenset[str]] | None = None
    if cache_dir is not None:
        vec_path = Path(cache_dir) / f"{key}.npy"
        ents_path = Path(cache_dir) / f"{key}.entities.json"
        if vec_path.is_file() and ents_path.is_file():
            vecs = np.load(vec_path)
            ents = [frozenset(e) for e in json.loads(ents_path.read_text())]
            if len(vecs) != len(items) or len(ents) != len(items):
                vecs = ents = None  # a torn write: recompute
            else:
                logger.info("article features from cache", extra={"key": key})
    if vecs is None or ents is None:
        texts = [embed_input(it.title, it.text, settings.lead_chars) for it in items]
        vecs = get_embedder(settings).encode(texts)
        ents = spacy_entities_fn()([it.title for it in items])
        if vec_path is not None and ents_path is not None:
            vec_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = vec_path.with_suffix(".tmp.npy")
            np.save(tmp, vecs)
            tmp.replace(vec_path)
            ents_path.write_text(json.dumps([sorted(e) for e in ents]))
    return [
        ArticleFeatures(it.id, vecs[i], it.title, ents[i], it.published, it.source)
        for i, it in enumerate(items)
    ]
