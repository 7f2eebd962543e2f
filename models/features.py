"""Features of a take's text: its sentence embedding next to its TF-IDF row.

The embedder itself is never part of the model (it is large, shared with clustering and not
ours to pickle); callers pass an `EmbedFn`, and the model only remembers the embedding width so a
model trained with one embedder refuses vectors from another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from models.errors import LensError

logger = logging.getLogger(__name__)

EmbedFn = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class TextBatch:
    """Texts with their embeddings, row-aligned: the input of the lens pipeline."""

    texts: list[str]
    embeddings: np.ndarray

    def __post_init__(self) -> None:
        if self.embeddings.ndim != 2 or self.embeddings.shape[0] != len(self.texts):
            raise LensError(
                f"embeddings of shape {self.embeddings.shape} do not match {len(self.texts)} texts"
            )

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, idx: Sequence[int] | np.ndarray) -> TextBatch:
        idx = np.asarray(idx, dtype=int)
        return TextBatch([self.texts[i] for i in idx], self.embeddings[idx])


def check_texts(texts: Sequence[str]) -> list[str]:
    """Texts as a list; a non-string is a caller bug named here rather than deep in sklearn."""
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise LensError(f"text #{i} is {type(t).__name__}, not str")
    return out


def embed_texts(
    texts: Sequence[str],
    embed: EmbedFn,
    *,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Embed in batches (so a progress bar can advance) and L2-normalise the rows."""
    texts = check_texts(texts)
    parts = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        vecs = np.asarray(embed(chunk), dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(chunk):
            raise LensError(
                f"the embedder returned shape {vecs.shape} for {len(chunk)} texts; "
                "it must return one row per text"
            )
        parts.append(vecs)
        if on_batch:
            on_batch(len(chunk))
    if not parts:
        return np.zeros((0, 0), dtype=np.float32)
    out = np.vstack(parts)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


def as_batch(
    texts: Sequence[str], embed: EmbedFn | None, embeddings: np.ndarray | None, batch_size: int
) -> TextBatch:
    """Use the given embeddings (tests, benchmarks, the glue's cache) or compute them."""
    texts = check_texts(texts)
    if embeddings is None:
        if embed is None:
            raise LensError("pass an embedder or precomputed embeddings")
        embeddings = embed_texts(texts, embed, batch_size=batch_size)
    return TextBatch(texts, np.asarray(embeddings, dtype=np.float32))


class LensFeatures(BaseEstimator, TransformerMixin):
    """[embedding * weight | TF-IDF] as one sparse matrix; both parts have unit-norm rows."""

    def __init__(
        self,
        embedding_weight: float = 1.0,
        max_features: int = 50_000,
        ngram_max: int = 2,
        min_df: int = 1,
    ) -> None:
        self.embedding_weight = embedding_weight
        self.max_features = max_features
        self.ngram_max = ngram_max
        self.min_df = min_df

    def fit(self, X: TextBatch, y: object = None) -> LensFeatures:
        self.tfidf_ = TfidfVectorizer(
            lowercase=True,
            ngram_range=(1, self.ngram_max),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            strip_accents="unicode",
        )
        self.tfidf_.fit(X.texts)
        self.embedding_dim_ = int(X.embeddings.shape[1])
        return self

    def transform(self, X: TextBatch) -> sparse.csr_matrix:
        if X.embeddings.shape[1] != self.embedding_dim_:
            raise LensError(
                f"embeddings have {X.embeddings.shape[1]} dimensions but the model was trained "
                f"on {self.embedding_dim_}: it was trained with a different embedder"
            )
        dense = sparse.csr_matrix(X.embeddings * self.embedding_weight)
        return sparse.hstack([dense, self.tfidf_.transform(X.texts)], format="csr")
