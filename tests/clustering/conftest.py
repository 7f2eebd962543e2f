"""Clustering fixtures: the real embedder once per session, headline slices of UCI."""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import pytest

from clustering.embed import Embedder, get_embedder
from clustering.settings import ClusteringSettings

UCI = Path("data") / "uci-news-dev.csv"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The configured MiniLM, loaded once: every stage in the session reuses this instance
    (get_embedder caches per model), so no test pays the model load again."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return get_embedder(ClusteringSettings())


def story_bucket(story: str, buckets: int) -> int:
    """A stable pseudo-random bucket of a gold story id (md5, not Python's salted hash)."""
    return int(hashlib.md5(story.encode()).hexdigest(), 16) % buckets


def write_uci_subset(shared: Path, out: Path, buckets: int, keep: int) -> Path:
    """The UCI rows of the gold stories in bucket `keep`, written to `out` as the same CSV."""
    src = shared / UCI
    if not src.is_file():
        pytest.skip(f"{src} not found: the clustering evaluation needs ../shared/data")
    with src.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        rows = [r for r in reader if story_bucket(r["STORY"], buckets) == keep]
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return out
