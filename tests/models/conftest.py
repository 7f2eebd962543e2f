"""Session fixtures: the real MiniLM embedder and the UCI stand-in for editor labels.

The UCI dev file's CATEGORY column (b/t/e/m) stands in for editors' lens labels. A fixed,
stratified sample of its titles is embedded once per session with clustering's embedder (the
same one the pipeline uses) and split into a labelling pool and a held-out test set. Stores are
real SQLite files; the titles go in as fetched articles with their clustering vectors, exactly as
the embed stage would have stored them.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from clustering.embed import Embedder, embed_input, get_embedder, vector_to_bytes
from core.config import Config
from core.settings.clustering import ClusteringSettings
from core.settings.lenses import LensSettings
from models.features import EmbedFn
from store.articles import text_hash
from store.schema import articles, embeddings

# UCI CATEGORY codes as the lenses an editor would pick.
UCI_LENSES = {"b": "business", "t": "science / technology", "e": "entertainment", "m": "health"}
SAMPLE = 1500  # titles embedded per session (of 3,353): keeps the area's tests near 2 minutes
TEST_SHARE = 0.3
SEED = 7
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Corpus:
    texts: list[str]
    labels: list[str]
    stories: list[str]
    embeddings: np.ndarray
    pool: list[int]  # indices the "editors" label from
    test: list[int]  # held-out indices, never stored


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """clustering.embed.get_embedder: MiniLM on CPU, loaded once per session."""
    return get_embedder(ClusteringSettings())


@pytest.fixture(scope="session")
def embed(embedder: Embedder) -> EmbedFn:
    return embedder.encode


def _stratified_sample(rows: list[dict], n: int, seed: int) -> list[dict]:
    by_cat: dict[str, list[dict]] = {}
    for r in rows:
        by_cat.setdefault(r["CATEGORY"], []).append(r)
    rng = random.Random(seed)
    out = []
    for cat in sorted(by_cat):
        group = by_cat[cat]
        k = max(1, round(n * len(group) / len(rows)))
        out.extend(rng.sample(group, k))
    rng.shuffle(out)
    return out


@pytest.fixture(scope="session")
def uci(shared_dir: Path, embedder: Embedder) -> Corpus:
    """A fixed stratified sample of UCI dev titles, embedded once per session."""
    path = shared_dir / "data" / "uci-news-dev.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found: the lens tests use its CATEGORY column as labels")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["TITLE"].strip()]
    rows = _stratified_sample(rows, SAMPLE, SEED)
    lead = ClusteringSettings().lead_chars
    texts = [embed_input(r["TITLE"], "", lead) for r in rows]  # what the embed stage embeds
    labels = [UCI_LENSES[r["CATEGORY"]] for r in rows]
    idx = list(range(len(rows)))
    test: list[int] = []
    for lens in sorted(set(labels)):  # stratified held-out split
        members = [i for i in idx if labels[i] == lens]
        test.extend(members[: max(1, round(len(members) * TEST_SHARE))])
    test_set = set(test)
    return Corpus(
        texts=texts,
        labels=labels,
        stories=[r["STORY"] for r in rows],
        embeddings=embedder.encode(texts),
        pool=[i for i in idx if i not in test_set],
        test=sorted(test),
    )


@pytest.fixture
def uci_settings() -> LensSettings:
    return LensSettings(taxonomy=list(UCI_LENSES.values()))


def uci_config(tmp_path: Path, url: str, **lenses: object) -> Config:
    """A Config on a real SQLite store with the UCI lenses and artifacts under tmp_path."""
    return Config(
        storage={"url": url},
        lenses={
            "taxonomy": list(UCI_LENSES.values()),
            "artifacts_dir": str(tmp_path / "models"),
            **lenses,
        },
    )


@pytest.fixture
def config(tmp_path: Path, sqlite_url: str) -> Config:
    return uci_config(tmp_path, sqlite_url)


def store_takes(engine: Engine, corpus: Corpus, idx: Sequence[int]) -> dict[int, int]:
    """Insert corpus rows as fetched articles with their stored vectors; corpus index -> id."""
    model = ClusteringSettings().model
    lead = ClusteringSettings().lead_chars
    out: dict[int, int] = {}
    with engine.begin() as conn:
        for n, i in enumerate(idx):
            aid = conn.execute(
                insert(articles)
                .values(
                    canonical_url=f"https://uci.example/{i}",
                    url=f"https://uci.example/{i}",
                    source_name="UCI",
                    title=corpus.texts[i],
                    text="",
                    published_at=T0 + timedelta(minutes=n),
                    lang="en",
                    extraction="import",
                    fetch_status="done",
                    embed_status="done",
                    attempts=0,
                    created_at=T0,
                    updated_at=T0,
                )
                .returning(articles.c.id)
            ).scalar_one()
            v = corpus.embeddings[i]
            conn.execute(
                insert(embeddings).values(
                    article_id=aid,
                    model=model,
                    text_hash=text_hash(model, embed_input(corpus.texts[i], "", lead)),
                    dim=int(v.shape[0]),
                    vector=vector_to_bytes(v),
                    created_at=T0,
                )
            )
            out[i] = aid
    return out


def heldout_f1(corpus: Corpus, model: object) -> float:
    """Macro-F1 of a LensModel on the held-out UCI titles."""
    from sklearn.metrics import f1_score

    texts = [corpus.texts[i] for i in corpus.test]
    preds = model.predict(texts, embeddings=corpus.embeddings[corpus.test])  # type: ignore[attr-defined]
    truth = [corpus.labels[i] for i in corpus.test]
    return float(f1_score(truth, [p for p, _ in preds], average="macro", zero_division=0))
