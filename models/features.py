"""Features of a take: its sentence embedding, its TF-IDF rows, its story's centroid and its
outlet's prior.

Every part is chosen to carry over to stories the model has not seen: the embedding and word
TF-IDF read the take's own title and text, the optional character n-grams survive the new
names of a new story, the story centroid (mean embedding of every take of the story, known
without any label) says what the whole story is about, and the outlet prior says what this
outlet's labelled takes usually were (an outlet's lens is sticky). The prior is learnt in `fit`
from the training labels only; for the training rows themselves it is computed without their
own story, so the classifier learns how far an outlet's history carries to a story it has not
seen, not to copy its own label.

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
    outlets: list[str] | None = None  # "" for an unknown outlet
    groups: list[str] | None = None  # story of each row; None: every row its own story
    contexts: np.ndarray | None = None  # unit-norm mean embedding of each row's story

    def __post_init__(self) -> None:
        if self.embeddings.ndim != 2 or self.embeddings.shape[0] != len(self.texts):
            raise LensError(
                f"embeddings of shape {self.embeddings.shape} do not match {len(self.texts)} texts"
            )
        for name in ("outlets", "groups", "contexts"):
            got = getattr(self, name)
            if got is not None and len(got) != len(self.texts):
                raise LensError(f"{len(got)} {name} for {len(self.texts)} texts")

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, idx: Sequence[int] | np.ndarray) -> TextBatch:
        idx = np.asarray(idx, dtype=int)
        return TextBatch(
            [self.texts[i] for i in idx],
            self.embeddings[idx],
            None if self.outlets is None else [self.outlets[i] for i in idx],
            None if self.groups is None else [self.groups[i] for i in idx],
            None if self.contexts is None else self.contexts[idx],
        )

    def group_list(self) -> list[str]:
        """Each row's story; a row without one is its own."""
        return self.groups if self.groups is not None else [f"row:{i}" for i in range(len(self))]


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
    texts: Sequence[str],
    embed: EmbedFn | None,
    embeddings: np.ndarray | None,
    batch_size: int,
    *,
    outlets: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    contexts: np.ndarray | None = None,
) -> TextBatch:
    """Use the given embeddings (tests, benchmarks, the glue's cache) or compute them."""
    texts = check_texts(texts)
    if embeddings is None:
        if embed is None:
            raise LensError("pass an embedder or precomputed embeddings")
        embeddings = embed_texts(texts, embed, batch_size=batch_size)
    return TextBatch(
        texts,
        np.asarray(embeddings, dtype=np.float32),
        None if outlets is None else [o or "" for o in outlets],
        None if groups is None else [str(g) for g in groups],
        None if contexts is None else np.asarray(contexts, dtype=np.float32),
    )


def unit_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def story_centroids(vectors: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Each row's story centroid (unit norm) over the rows given: the story context of takes
    held in memory (tests, benchmarks); the store path averages every stored member."""
    sums: dict[str, np.ndarray] = {}
    for v, g in zip(vectors, groups, strict=True):
        sums[g] = sums.get(g, 0) + v
    return unit_rows(np.vstack([sums[g] for g in groups])) if len(groups) else vectors


def outlet_prior(
    outlets: Sequence[str],
    y: Sequence[str],
    groups: Sequence[str],
    lenses: Sequence[str],
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray], np.ndarray]:
    """Lens counts per outlet and per (outlet, story) of the training rows, and the lens mix."""
    col = {lens: j for j, lens in enumerate(lenses)}
    per_outlet: dict[str, np.ndarray] = {}
    per_story: dict[tuple[str, str], np.ndarray] = {}
    base = np.zeros(len(lenses))
    for o, lab, g in zip(outlets, y, groups, strict=True):
        j = col[lab]
        base[j] += 1
        if not o:
            continue
        per_outlet.setdefault(o, np.zeros(len(lenses)))[j] += 1
        per_story.setdefault((o, g), np.zeros(len(lenses)))[j] += 1
    return per_outlet, per_story, base / max(base.sum(), 1.0)


def prior_rows(
    outlets: Sequence[str],
    per_outlet: dict[str, np.ndarray],
    base: np.ndarray,
    strength: float,
    minus: Sequence[np.ndarray | None] | None = None,
) -> np.ndarray:
    """Each row's outlet lens mix, smoothed towards `base`, minus `base` (0: nothing known).

    `minus` removes counts per row (the row's own story, for training rows)."""
    out = np.zeros((len(outlets), len(base)))
    for i, o in enumerate(outlets):
        counts = per_outlet.get(o) if o else None
        if counts is None:
            continue
        if minus is not None and minus[i] is not None:
            counts = counts - minus[i]
        out[i] = (counts + strength * base) / (counts.sum() + strength) - base
    return out


class LensFeatures(BaseEstimator, TransformerMixin):
    """[embedding * weight | word TF-IDF | char TF-IDF? | outlet prior * weight], sparse.

    Embedding and TF-IDF rows have unit norm. `fit` needs the labels when `outlet_weight` > 0.
    """

    def __init__(
        self,
        embedding_weight: float = 1.0,
        max_features: int = 50_000,
        ngram_max: int = 2,
        min_df: int = 1,
        char_ngrams: bool = False,
        outlet_weight: float = 0.0,
        prior_strength: float = 3.0,
        story_weight: float = 0.0,
    ) -> None:
        self.embedding_weight = embedding_weight
        self.max_features = max_features
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.char_ngrams = char_ngrams
        self.outlet_weight = outlet_weight
        self.prior_strength = prior_strength
        self.story_weight = story_weight

    def fit(self, X: TextBatch, y: Sequence[str] | None = None) -> LensFeatures:
        self.tfidf_ = TfidfVectorizer(
            lowercase=True,
            ngram_range=(1, self.ngram_max),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            strip_accents="unicode",
        )
        self.tfidf_.fit(X.texts)
        self.chars_ = None
        if self.char_ngrams:
            self.chars_ = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                min_df=2,
                max_features=self.max_features,
                sublinear_tf=True,
                strip_accents="unicode",
            ).fit(X.texts)
        self.embedding_dim_ = int(X.embeddings.shape[1])
        self.prior_: tuple | None = None
        if self.outlet_weight > 0:
            if y is None:
                raise LensError("the outlet prior needs the training labels")
            self.lenses_ = sorted({str(v) for v in y})
            outlets = X.outlets or [""] * len(X)
            self.prior_ = outlet_prior(outlets, [str(v) for v in y], X.group_list(), self.lenses_)
        return self

    def fit_transform(self, X: TextBatch, y: Sequence[str] | None = None, **_: object):
        """Fit, then the training rows' features with their own story left out of the prior."""
        self.fit(X, y)
        return self._features(X, leave_story_out=True)

    def transform(self, X: TextBatch) -> sparse.csr_matrix:
        return self._features(X, leave_story_out=False)

    def _features(self, X: TextBatch, *, leave_story_out: bool) -> sparse.csr_matrix:
        if X.embeddings.shape[1] != self.embedding_dim_:
            raise LensError(
                f"embeddings have {X.embeddings.shape[1]} dimensions but the model was trained "
                f"on {self.embedding_dim_}: it was trained with a different embedder"
            )
        parts = [
            sparse.csr_matrix(X.embeddings * self.embedding_weight),
            self.tfidf_.transform(X.texts),
        ]
        if self.chars_ is not None:
            parts.append(self.chars_.transform(X.texts))
        if self.story_weight > 0:  # what the take's whole story is about, labels not needed
            ctx = X.contexts if X.contexts is not None else X.embeddings
            parts.append(sparse.csr_matrix(ctx * self.story_weight))
        if self.prior_ is not None:
            per_outlet, per_story, base = self.prior_
            outlets = X.outlets or [""] * len(X)
            minus = None
            if leave_story_out:
                minus = [
                    per_story.get((o, g)) for o, g in zip(outlets, X.group_list(), strict=True)
                ]
            rows = prior_rows(outlets, per_outlet, base, self.prior_strength, minus)
            parts.append(sparse.csr_matrix(rows * self.outlet_weight))
        return sparse.hstack(parts, format="csr")
