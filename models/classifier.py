"""The lens classifier: [sentence embedding ⊕ TF-IDF] → logistic regression → calibration.

Logistic regression (not LinearSVC) because it gives probabilities of its own, which we fall
back on when a lens has too few labels for CalibratedClassifierCV's internal folds; with enough
labels the sigmoid-calibrated ensemble is used. `LensModel.calibration` says which one a model
got, and it is recorded in the artifact manifest.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import sklearn
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from core.settings.lenses import LensSettings
from models.errors import LensError
from models.features import EmbedFn, LensFeatures, as_batch, embed_texts

logger = logging.getLogger(__name__)


@dataclass
class LensModel:
    """A fitted pipeline plus what is needed to use it safely (lens order, embedding width)."""

    pipeline: Pipeline
    lenses: list[str]
    calibration: str
    n_labels: int
    label_counts: dict[str, int]
    embedding_dim: int
    params: dict = field(default_factory=dict)
    sklearn_version: str = sklearn.__version__
    trained_seconds: float = 0.0

    def predict_proba(
        self,
        texts: Sequence[str],
        embed: EmbedFn | None = None,
        *,
        embeddings: np.ndarray | None = None,
    ) -> np.ndarray:
        """Probabilities, one column per lens in `self.lenses` order."""
        if len(texts) == 0:
            return np.zeros((0, len(self.lenses)))
        batch = as_batch(texts, embed, embeddings, self.params.get("embed_batch_size", 256))
        with blas_threads(self.params.get("blas_threads", 1)):
            proba = self.pipeline.predict_proba(batch)
        classes = list(self.pipeline.classes_)
        if classes != self.lenses:  # defensive: keep columns in our lens order
            proba = proba[:, [classes.index(lens) for lens in self.lenses]]
        return proba

    def predict(
        self,
        texts: Sequence[str],
        embed: EmbedFn | None = None,
        *,
        embeddings: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """(lens, calibrated probability) of the most likely lens for each text."""
        proba = self.predict_proba(texts, embed, embeddings=embeddings)
        best = proba.argmax(axis=1)
        return [(self.lenses[j], float(proba[i, j])) for i, j in enumerate(best)]


def check_labels(labels: Sequence[str], taxonomy: Sequence[str]) -> list[str]:
    """Every label must be a lens of the taxonomy; 'unlabelled' is a fallback, not a label."""
    allowed = set(taxonomy)
    bad = sorted({lab for lab in labels if lab not in allowed}, key=str)
    if bad:
        raise LensError(
            f"labels {bad} are not in the lens taxonomy {list(taxonomy)}; "
            "fix the labels or add the lens to [lenses].taxonomy in config.toml"
        )
    return list(labels)


def _calibration_plan(counts: Counter, settings: LensSettings) -> str:
    if min(counts.values()) >= settings.calibration_folds:
        return f"{settings.calibration_method}-cv{settings.calibration_folds}"
    return "logistic"  # too few labels in some lens for calibration folds


def build_pipeline(calibration: str, settings: LensSettings) -> Pipeline:
    lr = LogisticRegression(C=settings.c, max_iter=settings.max_iter, class_weight="balanced")
    clf = (
        lr
        if calibration == "logistic"
        else CalibratedClassifierCV(
            lr, method=settings.calibration_method, cv=settings.calibration_folds
        )
    )
    features = LensFeatures(
        embedding_weight=settings.embedding_weight,
        max_features=settings.tfidf_max_features,
        ngram_max=settings.tfidf_ngram_max,
        min_df=settings.tfidf_min_df,
    )
    return Pipeline([("features", features), ("clf", clf)])


@contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Cap BLAS/OpenMP threads (0: leave as is). Idle OpenBLAS threads busy-wait, which makes
    small sparse fits an order of magnitude slower when the cores are shared."""
    if n <= 0:
        yield
        return
    with threadpool_limits(limits=n):
        yield


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=False,
    )
    with bar:
        yield bar


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    embed: EmbedFn | None,
    *,
    settings: LensSettings,
    progress: bool = False,
    embeddings: np.ndarray | None = None,
) -> LensModel:
    """Fit a lens model on editor labels; raises LensError on labels it cannot learn from."""
    if len(texts) != len(labels):
        raise LensError(f"{len(texts)} texts but {len(labels)} labels")
    labels = check_labels(labels, settings.taxonomy)
    counts = Counter(labels)
    if len(counts) < 2:
        raise LensError(
            f"need labels of at least two lenses to train, got {dict(counts)}; label more takes"
        )
    calibration = _calibration_plan(counts, settings)
    t0 = time.perf_counter()
    with _progress(progress) as bar:
        if embeddings is None:
            if embed is None:
                raise LensError("pass an embedder or precomputed embeddings")
            task = bar.add_task("embedding labelled takes", total=len(texts)) if bar else None
            embeddings = embed_texts(
                texts,
                embed,
                batch_size=settings.embed_batch_size,
                on_batch=(lambda n: bar.advance(task, n)) if bar else None,
            )
        batch = as_batch(texts, None, embeddings, settings.embed_batch_size)
        fit_task = bar.add_task(f"fitting ({calibration})", total=1) if bar else None
        pipeline = build_pipeline(calibration, settings)
        with blas_threads(settings.blas_threads):
            pipeline.fit(batch, np.asarray(labels, dtype=object))
        if bar:
            bar.advance(fit_task, 1)
    lenses = [str(c) for c in pipeline.classes_]
    model = LensModel(
        pipeline=pipeline,
        lenses=lenses,
        calibration=calibration,
        n_labels=len(labels),
        label_counts=dict(sorted(counts.items())),
        embedding_dim=int(batch.embeddings.shape[1]),
        params=settings.model_dump(
            include={
                "c",
                "tfidf_max_features",
                "tfidf_ngram_max",
                "tfidf_min_df",
                "embedding_weight",
                "calibration_folds",
                "calibration_method",
                "embed_batch_size",
                "blas_threads",
            }
        ),
        trained_seconds=time.perf_counter() - t0,
    )
    logger.info(
        "trained lens model on %d labels (%d lenses, %s) in %.1fs",
        len(labels),
        len(lenses),
        calibration,
        model.trained_seconds,
    )
    return model
