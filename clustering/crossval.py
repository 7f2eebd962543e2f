"""K-fold cross-validation of story clustering, folds grouped by story.

`storyloom eval clustering FILE --folds K`: the file's stories are dealt into K folds of
about equal article counts; for each fold the weights and thresholds are fitted on the
other K-1 folds (clustering/fit.py); then the whole file is streamed with them and the
held-out fold's articles are scored (clustering/metrics.held_out_scores): they meet as many
neighbouring stories as real data has, and joining a training story counts against them.
Hidden data are other stories, so a held-out fold is the nearest thing to them; the worst
fold (and mean - 1 sd) is what a default is chosen by, never the whole-file score.
``fit=False`` scores the configured settings on the same folds.
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clustering.evaluate import load_labelled
from clustering.featcache import DEFAULT_CACHE, cached_features
from clustering.fit import evaluate_settings, fit_settings
from clustering.state import ArticleFeatures
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

METRICS = ("precision", "recall", "f1")
FITTED_KEYS = ("threshold", "merge_threshold", "merge_max_gap", "bias")


def story_folds(gold: Sequence[Hashable], k: int, seed: int = 0) -> list[int]:
    """Fold of each item: whole stories dealt largest first to the fold with the fewest
    articles so far (ties broken by a seeded shuffle), so folds are of similar size."""
    sizes = Counter(gold)
    if len(sizes) < k:
        raise ValueError(f"{len(sizes)} stories cannot fill {k} folds")
    stories = list(sizes)
    random.Random(seed).shuffle(stories)
    stories.sort(key=lambda s: -sizes[s])
    load = [0] * k
    fold_of: dict[Hashable, int] = {}
    for s in stories:
        f = min(range(k), key=lambda j: (load[j], j))
        fold_of[s] = f
        load[f] += sizes[s]
    return [fold_of[g] for g in gold]


def _summary(folds: list[dict]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for view in ("bcubed", "pairwise"):
        vals = {m: [f[view][m] for f in folds] for m in METRICS}
        out[view] = {
            "worst": {m: min(v) for m, v in vals.items()},
            "mean": {m: statistics.fmean(v) for m, v in vals.items()},
            "mean_minus_sd": {
                m: statistics.fmean(v) - (statistics.stdev(v) if len(v) > 1 else 0.0)
                for m, v in vals.items()
            },
        }
    worst = min(range(len(folds)), key=lambda i: folds[i]["bcubed"]["f1"])
    out["worst_fold"] = folds[worst]["fold"]
    return out


@contextmanager
def quiet_consolidation() -> Iterator[None]:
    """Consolidation logs every merge, split and refusal; a cross-validation streams the
    file dozens of times, so those lines are held back while it runs."""
    log = logging.getLogger("clustering.consolidate")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def cross_validate(
    arts: Sequence[ArticleFeatures],
    gold: Sequence[Hashable],
    settings: ClusteringSettings,
    *,
    folds: int,
    fit: bool = True,
    on_fold: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Every fold's held-out scores, with worst, mean and mean - 1 sd of each metric."""
    with quiet_consolidation():
        return _cross_validate(arts, gold, settings, folds, fit, on_fold)


def _cross_validate(
    arts: Sequence[ArticleFeatures],
    gold: Sequence[Hashable],
    settings: ClusteringSettings,
    folds: int,
    fit: bool,
    on_fold: Callable[[dict], None] | None,
) -> dict[str, Any]:
    fold_of = story_folds(gold, folds, settings.cv_seed)
    results = []
    for k in range(folds):
        started = time.perf_counter()
        train = [i for i, f in enumerate(fold_of) if f != k]
        test = [i for i, f in enumerate(fold_of) if f == k]
        used = settings
        if fit:
            fitted = fit_settings([arts[i] for i in train], [gold[i] for i in train], settings)
            used = fitted.settings
        held = [f == k for f in fold_of]
        res = evaluate_settings(arts, gold, used, held)
        res.update(fold=k, articles=len(test), seconds=round(time.perf_counter() - started, 1))
        if fit:
            res["fitted"] = {key: getattr(used, key) for key in FITTED_KEYS}
        results.append(res)
        if on_fold is not None:
            on_fold(res)
    return {"folds": results, "fit": fit, "k": folds, **_summary(results)}


def run_crossval(
    file: Path,
    settings: ClusteringSettings,
    *,
    folds: int,
    fit: bool = True,
    cache_dir: Path | None = DEFAULT_CACHE,
    on_fold: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """`eval clustering FILE --folds K`: features once (cached), then K fits and scores."""
    items = load_labelled(Path(file))
    if not items:
        raise ValueError(f"{file}: no labelled items")
    arts = cached_features(items, settings, cache_dir)
    res = cross_validate(
        arts, [it.cluster for it in items], settings, folds=folds, fit=fit, on_fold=on_fold
    )
    res.update(file=str(file), articles=len(items), model=settings.model)
    return res
