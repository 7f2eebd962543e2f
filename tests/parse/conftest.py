"""Fixtures for the parse/extract tests: corpus paths under ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def feed_corpus(shared_dir: Path) -> Path:
    path = shared_dir / "corpora" / "feedparser"
    if not path.is_dir():
        pytest.skip(f"feedparser corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def bench_dir(shared_dir: Path) -> Path:
    path = shared_dir / "corpora" / "article-extraction-benchmark"
    if not path.is_dir():
        pytest.skip(f"article-extraction-benchmark corpus not found at {path}")
    return path
