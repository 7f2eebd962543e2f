"""Clustering fixtures: the real embedder once per session, and where UCI lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clustering.embed import Embedder, get_embedder
from core.settings.clustering import ClusteringSettings

UCI = Path("data") / "uci-news-dev.csv"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The configured MiniLM, loaded once: every stage in the session reuses this instance
    (get_embedder caches per model), so no test pays the model load again."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return get_embedder(ClusteringSettings())
