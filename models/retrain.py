"""Retraining the lens model on editor labels, promoted only when it beats the active one.

`retrain` trains a candidate on every editor label, cross-validates it and the active model's
recipe on the same story-grouped folds (whole stories held out, see models/evaluate.py), saves
the candidate as a new versioned artifact either way (metrics with every fold's score, label
snapshot, content hash, confusion-matrix PNG) and makes it active only if its macro-F1 is
higher. Retrains in the background (the daemon's, the UI's button) go through
models/background.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from core.config import Config
from core.errors import Conflict
from core.progress import progress_bars
from models.artifacts import save_artifact
from models.errors import ArtifactError, LensError
from models.evaluate import (
    Recipe,
    confusion_png,
    fit_takes,
    fold_scores,
    judged_lenses,
    make_folds,
    out_of_fold,
    score,
)
from models.registry import load_version, record_version
from models.takes import editor_labels, last_label_id, load_takes
from store.locks import RETRAIN, writer_lock
from store.takes import active_model as active_row

logger = logging.getLogger(__name__)

_lock = threading.Lock()  # one retrain at a time in this process
PNG_SUFFIX = ".confusion.png"


def _labels_hash(labels: dict[int, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()


def retrain(
    engine: Engine,
    config: Config,
    progress: bool = True,
    *,
    training_labels: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Train, evaluate against the active model on the same folds, save, maybe promote.

    `training_labels` (article id -> lens) trains the candidate on those labels instead of all
    editor labels (replays and ablations); it is still evaluated against every editor label.
    Returns what happened, including `promoted` and the `reason`. Raises LensError when there
    is too little to learn from.
    """
    with _lock, writer_lock(engine, RETRAIN, wait=False) as got:
        if not got:  # single-flight across processes and machines, not only threads
            raise RetrainRunning(
                "a lens retrain is already running in another storyloom process; "
                "its result will be in `storyloom models` when it finishes"
            )
        return _retrain(engine, config, progress, training_labels)


class RetrainRunning(Conflict):
    """Another process is training a lens model on this store right now."""

    code = "SL103"


def _retrain(
    engine: Engine,
    config: Config,
    progress: bool,
    training_labels: dict[int, str] | None,
) -> dict[str, Any]:
    s = config.lenses
    t0 = time.perf_counter()
    watermark = last_label_id(engine)  # labels arriving while we train count as new
    truth = editor_labels(engine, s.taxonomy)
    if training_labels is None:
        cand_labels = dict(truth)
    else:
        cand_labels = {int(a): v for a, v in training_labels.items() if v in s.taxonomy}
    if len(cand_labels) < s.min_labels:
        raise LensError(
            f"{len(cand_labels)} editor lens labels; retraining needs at least {s.min_labels} "
            "(label more takes in the review UI, /label)"
        )
    if len(set(cand_labels.values())) < 2:
        raise LensError(
            f"all {len(cand_labels)} labels are {next(iter(cand_labels.values()))!r}; "
            "label takes of at least two lenses"
        )
    active = active_row(engine)
    active_model, active_problem = None, None
    if active is not None:
        try:
            active_model = load_version(active, s.taxonomy)
        except ArtifactError as exc:
            active_problem = str(exc)
    active_labels: dict[int, str] = {}
    active_settings = None
    if active_model is not None:
        snap = active.get("label_snapshot") or {}
        active_labels = {int(a): v for a, v in snap.items() if v in s.taxonomy}
        known = type(s).model_fields  # a recipe of an older release may name retired settings
        active_settings = s.model_copy(
            update={k: v for k, v in active_model.params.items() if k in known}
        )
    needed = sorted(set(truth) | set(cand_labels) | set(active_labels))
    show = progress and len(cand_labels) >= s.progress_min_labels
    with progress_bars(show) as bar:
        emb_task = bar.add_task("embedding takes", total=len(needed))
        takes = load_takes(engine, config, needed, on_embedded=lambda n: bar.advance(emb_task, n))
        bar.update(emb_task, completed=len(needed))
        have = set(takes.ids)
        truth = {a: v for a, v in truth.items() if a in have}
        cand_labels = {a: v for a, v in cand_labels.items() if a in have}
        if len(set(truth.values())) < 2:
            raise LensError(
                "evaluation needs editor labels of at least two lenses on stored takes; "
                f"found {len(truth)} usable labels"
            )
        groups = takes.groups(takes.ids)
        folds = make_folds(truth, groups, s.cv_folds, s.cv_seed)
        lenses = judged_lenses(truth, groups, s.min_stories_judged)
        candidate = Recipe("candidate", cand_labels, s)
        cv_task = bar.add_task(f"cross-validating candidate ({len(folds)} folds)", total=len(folds))
        cand_pred = out_of_fold(candidate, folds, takes, lambda: bar.advance(cv_task))
        cand_m = score(truth, cand_pred, lenses)
        cand_folds = fold_scores(truth, cand_pred, folds, lenses)
        act_m = None
        if active_model is not None:
            same_recipe = active_labels == cand_labels and all(
                candidate.settings.model_dump().get(k, v) == v
                for k, v in active_model.params.items()
                if k in known
            )
            if same_recipe:  # identical labels and settings: identical folds, no need to refit
                act_pred = cand_pred
            else:
                act_task = bar.add_task(
                    f"cross-validating active {active['version']}", total=len(folds)
                )
                recipe = Recipe(active["version"], active_labels, active_settings)
                act_pred = out_of_fold(recipe, folds, takes, lambda: bar.advance(act_task))
            act_m = score(truth, act_pred, lenses)
        fit_task = bar.add_task(f"fitting on {len(cand_labels)} labels", total=1)
        model = fit_takes(takes, list(cand_labels), list(cand_labels.values()), s)
        bar.advance(fit_task)
    promote, reason = _decide(active, active_model, active_problem, cand_m, act_m, len(folds), s)
    metrics = {
        "macro_f1": cand_m["macro_f1"],
        "accuracy": cand_m["accuracy"],
        "cv_folds": len(folds),
        "folds": cand_folds,
        "worst_fold_macro_f1": min(f["macro_f1"] for f in cand_folds),
        "lenses_averaged": cand_m["lenses_averaged"],
        "stories": len(set(groups.values())),
        "n_eval": len(truth),
        "per_lens": cand_m["per_lens"],
        "confusion": cand_m["confusion"],
        "compared_with": active["version"] if act_m else None,
        "training": {
            "last_label_id": watermark,
            "labels_sha256": _labels_hash(cand_labels),
            "calibration": model.calibration,
            "chosen": model.chosen,
            "seconds": round(time.perf_counter() - t0, 2),
        },
    }
    if act_m is not None:
        metrics["active_macro_f1"] = act_m["macro_f1"]
    png = confusion_png(
        cand_m["confusion"],
        f"{len(cand_labels)} labels, {len(folds)} story folds, macro-F1 {cand_m['macro_f1']:.3f}",
    )
    info = save_artifact(
        model,
        Path(s.artifacts_dir),
        metrics=metrics,
        label_snapshot=cand_labels,
        attachments={PNG_SUFFIX: png},
    )
    info = dataclasses.replace(
        info, metrics={**metrics, "confusion_png": info.attachments[PNG_SUFFIX]}
    )
    record_version(engine, info, promote=promote, note=reason)
    seconds = time.perf_counter() - t0
    logger.info(
        "lens retrain finished",
        extra={
            "version": info.version,
            "promoted": promote,
            "reason": reason,
            "labels": len(cand_labels),
            "macro_f1": cand_m["macro_f1"],
            "s": round(seconds, 2),
        },
    )
    return {
        "version": info.version,
        "promoted": promote,
        "reason": reason,
        "macro_f1": cand_m["macro_f1"],
        "active_macro_f1": act_m["macro_f1"] if act_m else None,
        "active_version": active["version"] if active else None,
        "n_labels": len(cand_labels),
        "cv_folds": len(folds),
        "folds": cand_folds,
        "worst_fold_macro_f1": metrics["worst_fold_macro_f1"],
        "lenses_averaged": cand_m["lenses_averaged"],
        "per_lens": cand_m["per_lens"],
        "chosen": model.chosen,
        "calibration": model.calibration,
        "confusion_png": info.attachments[PNG_SUFFIX],
        "seconds": round(seconds, 2),
    }


def _decide(
    active: dict[str, Any] | None,
    active_model: object,
    active_problem: str | None,
    cand: dict,
    act: dict | None,
    n_folds: int,
    s: Any,
) -> tuple[bool, str]:
    f1 = cand["macro_f1"]
    if active is None:
        return True, f"first model: macro-F1 {f1:.3f} ({n_folds} story-grouped folds)"
    if active_model is None or act is None:
        return True, f"active {active['version']} is unusable ({active_problem}); replaced"
    old = act["macro_f1"]
    if f1 > old + s.promotion_min_gain:
        return True, (
            f"macro-F1 {f1:.3f} beats active {active['version']}'s {old:.3f} "
            f"on the same {n_folds} story-grouped folds"
        )
    return False, (
        f"macro-F1 {f1:.3f} does not beat active {active['version']}'s {old:.3f} on the same "
        f"{n_folds} story-grouped folds (needs more than +{s.promotion_min_gain:.3f}); "
        f"kept {active['version']}"
    )
