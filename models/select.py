"""Settings chosen, and probabilities calibrated, on story-grouped inner folds.

Every training (a retrain's final fit and each of its evaluation folds alike) splits its own
labels into `inner_folds` folds by story, fits every candidate of the grid on each, and keeps
the candidate with the best pooled out-of-fold macro-F1: regularisation and features are thus
chosen for stories the model has not seen, using only the labels it is trained on (nested).
The winner's out-of-fold logits then fit one temperature (softmax(logits / T), minimum
log-loss), so a probability means the same after every retrain and `min_confidence` keeps its
meaning.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from core.settings.lenses import LensSettings
from models.features import LensFeatures, TextBatch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    """One point of the grid: the knobs the inner folds choose."""

    c: float
    char_ngrams: bool
    outlet_weight: float
    story_weight: float = 0.0

    def as_dict(self) -> dict:
        return {
            "c": self.c,
            "char_ngrams": self.char_ngrams,
            "outlet_weight": self.outlet_weight,
            "story_weight": self.story_weight,
        }


def default_choice(s: LensSettings) -> Choice:
    """What a training too small for inner folds uses: `c`, words only, no prior, no story."""
    return Choice(c=s.c, char_ngrams=False, outlet_weight=0.0)


def grid(s: LensSettings) -> list[Choice]:
    return [
        Choice(c, ch, w, st)
        for ch, w, st, c in itertools.product(
            s.char_ngrams_grid or [False],
            s.outlet_weight_grid or [0.0],
            s.story_weight_grid or [0.0],
            s.c_grid or [s.c],
        )
    ]


def build_pipeline(choice: Choice, s: LensSettings) -> Pipeline:
    features = LensFeatures(
        embedding_weight=s.embedding_weight,
        max_features=s.tfidf_max_features,
        ngram_max=s.tfidf_ngram_max,
        min_df=s.tfidf_min_df,
        char_ngrams=choice.char_ngrams,
        outlet_weight=choice.outlet_weight,
        prior_strength=s.outlet_prior_strength,
        story_weight=choice.story_weight,
    )
    lr = LogisticRegression(C=choice.c, max_iter=s.max_iter, class_weight="balanced")
    return Pipeline([("features", features), ("clf", lr)])


def logits(clf: LogisticRegression, X: object, lenses: Sequence[str]) -> np.ndarray:
    """Decision values in `lenses` column order; a lens the model never saw gets -inf."""
    d = clf.decision_function(X)
    classes = [str(c) for c in clf.classes_]
    if d.ndim == 1:  # two classes: one margin; softmax([0, d]) equals the sigmoid
        d = np.column_stack([np.zeros_like(d), d])
    out = np.full((d.shape[0], len(lenses)), -np.inf)
    for j, c in enumerate(classes):
        out[:, list(lenses).index(c)] = d[:, j]
    return out


def fit_temperature(z: np.ndarray, y_idx: np.ndarray, bounds: tuple[float, float]) -> float:
    """The T minimising the log-loss of softmax(z / T) on out-of-fold logits."""
    ok = np.isfinite(z[np.arange(len(y_idx)), y_idx])
    if ok.sum() < 2:
        return 1.0
    z, y_idx = z[ok], y_idx[ok]

    def nll(log_t: float) -> float:
        return float(-log_softmax(z / np.exp(log_t), axis=1)[np.arange(len(y_idx)), y_idx].mean())

    res = minimize_scalar(nll, bounds=np.log(bounds), method="bounded")
    return float(np.exp(res.x))


def inner_splits(
    y: Sequence[str], groups: Sequence[str], n_folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Story-grouped folds of a training set; [] when it has too few stories for them."""
    n = min(n_folds, len(set(groups)))
    if n < 2:
        return []
    sgkf = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return list(sgkf.split(np.zeros(len(y)), list(y), list(groups)))


def judged(y: Sequence[str], groups: Sequence[str], min_stories: int) -> list[str]:
    """Lenses labelled in at least `min_stories` stories (all lenses when none is)."""
    stories: dict[str, set[str]] = {}
    for lab, g in zip(y, groups, strict=True):
        stories.setdefault(lab, set()).add(g)
    out = sorted(lab for lab, s in stories.items() if len(s) >= min_stories)
    return out or sorted(stories)


def choose(batch: TextBatch, y: Sequence[str], s: LensSettings) -> tuple[Choice, float, dict]:
    """The grid point with the best inner-fold macro-F1, its temperature, and a report."""
    y = [str(v) for v in y]
    groups = batch.group_list()
    splits = inner_splits(y, groups, s.inner_folds, s.cv_seed)
    if not splits or min(Counter(y).values()) < 2:
        return default_choice(s), 1.0, {"inner_folds": 0}
    lenses = sorted(set(y))
    y_arr = np.asarray(y, dtype=object)
    y_idx = np.asarray([lenses.index(v) for v in y])
    scored_on = judged(y, groups, s.min_stories_judged)
    points = grid(s)
    oof = {p: np.full((len(y), len(lenses)), -np.inf) for p in points}
    for tr, te in splits:
        if len(set(y_arr[tr])) < 2:
            continue
        by_features: dict[tuple, list[Choice]] = {}
        for p in points:
            by_features.setdefault((p.char_ngrams, p.outlet_weight, p.story_weight), []).append(p)
        for group in by_features.values():
            feats = build_pipeline(group[0], s).named_steps["features"]
            x_tr = feats.fit_transform(batch.take(tr), list(y_arr[tr]))
            x_te = feats.transform(batch.take(te))
            for p in group:
                lr = LogisticRegression(C=p.c, max_iter=s.max_iter, class_weight="balanced")
                lr.fit(x_tr, y_arr[tr])
                oof[p][te] = logits(lr, x_te, lenses)
    scores = {}
    for p in points:
        pred = [lenses[j] for j in oof[p].argmax(axis=1)]
        scores[p] = float(f1_score(y, pred, labels=scored_on, average="macro", zero_division=0))
    best = max(points, key=lambda p: scores[p])  # first of equals: grid order
    temperature = fit_temperature(oof[best], y_idx, (s.temperature_min, s.temperature_max))
    report = {
        "inner_folds": len(splits),
        "inner_macro_f1": round(scores[best], 4),
        "grid": [{**p.as_dict(), "macro_f1": round(scores[p], 4)} for p in points],
    }
    return best, temperature, report
