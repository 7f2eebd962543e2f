"""`storyloom retrain-clustering`: refit the join score from what editors decided.

Every editor move, split and merge (a `labels` row of kind "cluster", see editor.py) says
which articles belong together. The stories those labels touch, as editors left them,
are the labelled set: their articles, grouped by their current story. The candidate
weights and thresholds are fitted on it exactly as on a labelled file (clustering/fit.py)
and compared with the weights in effect on the same story folds (crossval.py): each fold
is fitted on the other folds, the whole labelled set is streamed and the held-out stories
are scored. The candidate is promoted only when its mean held-out selection score beats
the active weights' by more than ``retrain_min_gain``; either way it is saved as a
version under ``weights_dir`` with its metrics and the reason, and audited.

The promoted version (``active.json``) overlays the configured weights wherever a
clusterer is built from the store (``learned_settings``), so the daemon picks it up at
its next pass with no restart and no code change.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from clustering.crossval import cross_validate
from clustering.fit import fit_settings, selection_score
from clustering.learned import ACTIVE, LEARNED_KEYS, learned_settings
from core.config import Config
from store.db import utcnow
from store.queries import audit
from store.schema import labels, stories, story_members

logger = logging.getLogger(__name__)


class ClusteringRetrainError(RuntimeError):
    """Too few editor decisions to learn from or to evaluate on."""


def _labelled_stories(engine: Engine) -> dict[int, int]:
    """Article id -> story id for every live story an editor label touched."""
    touched: set[int] = set()
    with engine.connect() as conn:
        for story_id, detail in conn.execute(
            select(labels.c.story_id, labels.c.detail).where(labels.c.kind == "cluster")
        ):
            d = detail or {}
            touched.update(
                int(s)
                for s in [story_id, d.get("from_story"), d.get("other"), *d.get("from_stories", [])]
                if s is not None
            )
        # a story merged away lives on in the one it was merged into
        merged = dict(
            conn.execute(
                select(stories.c.id, stories.c.merged_into).where(stories.c.status == "merged")
            ).all()
        )
        live = set()
        for sid in touched:
            seen = set()
            while sid in merged and sid not in seen:
                seen.add(sid)
                sid = merged[sid]
            live.add(sid)
        rows = conn.execute(
            select(story_members.c.article_id, story_members.c.story_id).where(
                story_members.c.story_id.in_(sorted(live))
            )
        ).all()
    return {int(a): int(s) for a, s in rows}


def _versions(directory: Path) -> list[Path]:
    return sorted(directory.glob("v*.json"), key=lambda p: int(p.stem[1:]))


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    tmp.replace(path)


def retrain_clustering(engine: Engine, config: Config, folds: int | None = None) -> dict[str, Any]:
    """Fit, compare on the same story folds, save the version, promote if better."""
    from clustering.stored import load_features

    started = time.perf_counter()
    cfg = config.clustering
    active = learned_settings(cfg)
    member = _labelled_stories(engine)
    n_stories = len(set(member.values()))
    if n_stories < 2:
        raise ClusteringRetrainError(
            f"editor decisions touch {n_stories} stories; retraining needs at least 2 "
            "(move, split or merge articles in the review UI)"
        )
    with engine.connect() as conn:
        feats = load_features(conn, sorted(member), cfg.model, cfg.cross_model)
    ids = sorted(feats)
    arts = [feats[a] for a in ids]
    gold = [member[a] for a in ids]
    k = min(folds or cfg.cv_folds, len(set(gold)))
    if k < 2:
        raise ClusteringRetrainError("the labelled articles have no stored embeddings")
    try:
        cand = cross_validate(arts, gold, active, folds=k, fit=True)
        fitted = fit_settings(arts, gold, active).settings
    except ValueError as exc:
        raise ClusteringRetrainError(f"cannot fit the join score: {exc}") from exc
    base = cross_validate(arts, gold, active, folds=k, fit=False)
    beta = cfg.fit_beta
    cand_score = statistics.fmean(selection_score(f, beta) for f in cand["folds"])
    base_score = statistics.fmean(selection_score(f, beta) for f in base["folds"])
    promote = cand_score > base_score + cfg.retrain_min_gain
    verdict = "beats" if promote else "does not beat"
    reason = (
        f"held-out selection score {cand_score:.4f} {verdict} the active weights' "
        f"{base_score:.4f} on the same {k} story folds"
    )
    directory = Path(cfg.weights_dir)
    directory.mkdir(parents=True, exist_ok=True)
    existing = _versions(directory)
    version = f"v{int(existing[-1].stem[1:]) + 1 if existing else 1}"
    record = {
        "version": version,
        "created_at": utcnow().isoformat(),
        "promoted": promote,
        "reason": reason,
        "articles": len(arts),
        "stories": len(set(gold)),
        "folds": k,
        "selection": {"candidate": cand_score, "active": base_score},
        "held_out": {"candidate": cand["folds"], "active": base["folds"]},
        "settings": {key: getattr(fitted, key) for key in LEARNED_KEYS},
    }
    _write_json(directory / f"{version}.json", record)
    if promote:
        _write_json(directory / ACTIVE, record)
    with engine.begin() as conn:
        audit(conn, None, "cluster.retrain", None, None, {"version": version, "reason": reason})
    logger.info(
        "clustering retrain finished",
        extra={"version": version, "promoted": promote, "reason": reason},
    )
    return {
        "version": version,
        "promoted": promote,
        "reason": reason,
        "candidate": cand_score,
        "active": base_score,
        "articles": len(arts),
        "stories": len(set(gold)),
        "folds": k,
        "seconds": round(time.perf_counter() - started, 2),
    }
