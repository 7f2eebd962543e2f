"""The lens classifier: [embedding ⊕ TF-IDF ⊕ story centroid ⊕ outlet prior] → logistic
regression.

Regularisation and features are chosen per training on story-grouped inner folds, and the
probabilities are temperature-scaled on the same folds' out-of-fold logits (models/select.py),
so the confidence floor means the same after every retrain. `LensModel.calibration` says what a
model got ("temperature", or "none" when its labels had too few stories for inner folds), and
`chosen` what the inner folds picked; both are recorded in the artifact manifest.
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
from scipy.special import softmax
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from core.settings.lenses import LensSettings
from models.errors import LensError
from models.features import EmbedFn, TextBatch, as_batch, embed_texts
from models.select import build_pipeline, choose, logits

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
    params: dict = field(default_factory=dict)  # the recipe: settings it was trained with
    chosen: dict = field(default_factory=dict)  # what its inner folds picked, and their scores
    temperature: float = 1.0
    sklearn_version: str = sklearn.__version__
    trained_seconds: float = 0.0

    def predict_proba(
        self,
        texts: Sequence[str],
        embed: EmbedFn | None = None,
        *,
        embeddings: np.ndarray | None = None,
        outlets: Sequence[str] | None = None,
        contexts: np.ndarray | None = None,
    ) -> np.ndarray:
        """Calibrated probabilities, one column per lens in `self.lenses` order.

        `outlets` and `contexts` (story centroids) are used when the model learnt them; a take
        without a story context is its own story."""
        if len(texts) == 0:
            return np.zeros((0, len(self.lenses)))
        batch = as_batch(
            texts,
            embed,
            embeddings,
            self.params.get("embed_batch_size", 256),
            outlets=outlets,
            contexts=contexts,
        )
        with blas_threads(self.params.get("blas_threads", 1)):
            if self.calibration in ("temperature", "none"):
                x = self.pipeline.named_steps["features"].transform(batch)
                z = logits(self.pipeline.named_steps["clf"], x, self.lenses)
                return softmax(z / self.temperature, axis=1)
            proba = self.pipeline.predict_proba(batch)  # artifacts of format 1's first models
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
        outlets: Sequence[str] | None = None,
        contexts: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """(lens, calibrated probability) of the most likely lens for each text."""
        proba = self.predict_proba(
            texts, embed, embeddings=embeddings, outlets=outlets, contexts=contexts
        )
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


RECIPE_KEYS = {
    "c",
    "c_grid",
    "char_ngrams_grid",
    "outlet_weight_grid",
    "story_weight_grid",
    "outlet_prior_strength",
    "inner_folds",
    "min_stories_judged",
    "temperature_min",
    "temperature_max",
    "tfidf_max_features",
    "tfidf_ngram_max",
    "tfidf_min_df",
    "embedding_weight",
    "text_chars",
    "cv_seed",
    "embed_batch_size",
    "blas_threads",
}


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    embed: EmbedFn | None,
    *,
    settings: LensSettings,
    progress: bool = False,
    embeddings: np.ndarray | None = None,
    outlets: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    contexts: np.ndarray | None = None,
) -> LensModel:
    """Fit a lens model on editor labels; raises LensError on labels it cannot learn from.

    `groups` (each take's story) drive the inner folds that choose settings and calibrate;
    without them every take counts as its own story. `outlets` feed the outlet prior and
    `contexts` (each take's story centroid) the story context.
    """
    if len(texts) != len(labels):
        raise LensError(f"{len(texts)} texts but {len(labels)} labels")
    labels = check_labels(labels, settings.taxonomy)
    counts = Counter(labels)
    if len(counts) < 2:
        raise LensError(
            f"need labels of at least two lenses to train, got {dict(counts)}; label more takes"
        )
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
        batch: TextBatch = as_batch(
            texts,
            None,
            embeddings,
            settings.embed_batch_size,
            outlets=outlets,
            groups=groups,
            contexts=contexts,
        )
        fit_task = bar.add_task("choosing settings and fitting", total=1) if bar else None
        with blas_threads(settings.blas_threads):
            choice, temperature, report = choose(batch, labels, settings)
            pipeline = build_pipeline(choice, settings)
            pipeline.fit(batch, np.asarray(labels, dtype=object))
        if bar:
            bar.advance(fit_task, 1)
    calibration = "temperature" if report["inner_folds"] else "none"
    lenses = [str(c) for c in pipeline.classes_]
    model = LensModel(
        pipeline=pipeline,
        lenses=lenses,
        calibration=calibration,
        n_labels=len(labels),
        label_counts=dict(sorted(counts.items())),
        embedding_dim=int(batch.embeddings.shape[1]),
        params=settings.model_dump(include=RECIPE_KEYS),
        chosen={**choice.as_dict(), "temperature": round(temperature, 4), **report},
        temperature=temperature,
        trained_seconds=time.perf_counter() - t0,
    )
    logger.info(
        "trained lens model on %d labels (%d lenses, C=%s, chars=%s, outlet=%s, story=%s, "
        "T=%.2f) in %.1fs",
        len(labels),
        len(lenses),
        choice.c,
        choice.char_ngrams,
        choice.outlet_weight,
        choice.story_weight,
        temperature,
        model.trained_seconds,
    )
    return model
