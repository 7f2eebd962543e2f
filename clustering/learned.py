"""The promoted learned join weights (`storyloom retrain-clustering`), read over the
configured ones. Apart from clustering/retrain.py so the stage can load them without
importing the trainer (which itself loads stored features)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from clustering.score import FEATURES
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

LEARNED_KEYS = tuple(f"w_{k}" for k in FEATURES) + (
    "bias",
    "threshold",
    "merge_threshold",
    "merge_max_gap",
)
ACTIVE = "active.json"


def learned_settings(cfg: ClusteringSettings) -> ClusteringSettings:
    """The configured settings with the promoted learned weights over them, if any."""
    path = Path(cfg.weights_dir) / ACTIVE
    if not path.is_file():
        return cfg
    try:
        learned = json.loads(path.read_text())["settings"]
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("learned clustering weights unreadable", extra={"error": str(exc)})
        return cfg
    return cfg.model_copy(update={k: float(v) for k, v in learned.items() if k in LEARNED_KEYS})
