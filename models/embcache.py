"""Sentence embeddings of a fixed list of texts, cached on disk by model and content.

Evaluation, benchmarks and tests embed the same labelled files again and again (3,353 UCI
titles take a minute of a shared CPU); the vectors depend only on the model and the texts, so
they are kept as one .npy per (model, texts) under a cache folder and reused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.features import EmbedFn

logger = logging.getLogger(__name__)


def cache_key(model: str, texts: Sequence[str]) -> str:
    """A file name that changes when the model or any text (or their order) changes."""
    h = hashlib.sha256(model.encode())
    for t in texts:
        h.update(b"\x00" + t.encode("utf-8", "surrogatepass"))
    slug = "".join(c if c.isalnum() else "-" for c in Path(model).name)[-40:]
    return f"{slug}-{len(texts)}-{h.hexdigest()[:20]}.npy"


def cached_embeddings(
    texts: Sequence[str], embed: EmbedFn, *, model: str, cache_dir: str | Path | None
) -> np.ndarray:
    """`embed(texts)` as float32, read from / written to `cache_dir` ("" or None: no cache)."""
    if not cache_dir:
        return np.asarray(embed(list(texts)), dtype=np.float32)
    folder = Path(cache_dir)
    path = folder / cache_key(model, texts)
    if path.is_file():
        try:
            vecs = np.load(path, allow_pickle=False)
            if vecs.shape[0] == len(texts):
                return vecs
        except (OSError, ValueError) as exc:  # a torn or foreign file: embed again
            logger.warning("ignoring unreadable embedding cache %s: %s", path, exc)
    vecs = np.asarray(embed(list(texts)), dtype=np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npy.tmp")
    with os.fdopen(fd, "wb") as f:
        np.save(f, vecs, allow_pickle=False)
    os.replace(tmp, path)
    logger.info("cached %d embeddings in %s", len(texts), path)
    return vecs
