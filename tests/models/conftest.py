"""Session fixtures: the real MiniLM embedder and the UCI stand-in for editor labels.

The UCI dev file's CATEGORY column (b/t/e/m) stands in for editors' lens labels, its STORY for
the story each take belongs to and its PUBLISHER for the outlet. Every title is embedded with
clustering's embedder (the one the pipeline uses; cached under $STORYLOOM_LENS_CACHE, default
/tmp/lens-cache) and the file is split BY STORY into a labelling pool and held-out stories:
the model is judged on stories it has never seen, as it is used on tomorrow's. Stores are real
SQLite files; the titles go in as fetched articles of their outlet, members of their story,
with their clustering vectors, exactly as the pipeline would have left them.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import StratifiedGroupKFold
from sqlalchemy import Engine

from clustering.embed import Embedder, get_embedder
from core.config import Config
from core.settings.clustering import ClusteringSettings
from core.settings.lenses import LensSettings
from models.embcache import cached_embeddings
from models.features import EmbedFn, story_centroids
from models.labelstore import embedding_inputs, store_labelled_takes
from models.lensfile import UCI_LENSES, LabelledTake, load_lens_file, stories_per_lens

__all__ = ["UCI_LENSES", "Corpus", "heldout_f1", "store_takes", "uci_config"]

HELDOUT_SPLITS = 4  # one story-grouped fold of four is held out (about 11 of 44 stories)
SEED = 7
CACHE = os.environ.get("STORYLOOM_LENS_CACHE", "/tmp/lens-cache")


@dataclass(frozen=True)
class Corpus:
    items: list[LabelledTake]
    texts: list[str]
    labels: list[str]
    stories: list[str]
    outlets: list[str]
    embeddings: np.ndarray
    contexts: np.ndarray  # story centroid of each title (all titles of its story, no labels)
    pool: list[int]  # indices the "editors" label from (shuffled), stories disjoint from test
    test: list[int]  # held-out stories' indices, never stored
    judged: list[str]  # lenses of at least 3 stories in the file: the macro-F1 averages these


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """clustering.embed.get_embedder: MiniLM on CPU, loaded once per session."""
    return get_embedder(ClusteringSettings())


@pytest.fixture(scope="session")
def embed(embedder: Embedder) -> EmbedFn:
    return embedder.encode


@pytest.fixture(scope="session")
def uci(shared_dir: Path, embedder: Embedder) -> Corpus:
    """Every UCI dev title, embedded once (cached), split into pool and held-out stories."""
    path = shared_dir / "data" / "uci-news-dev.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found: the lens tests use its CATEGORY column as labels")
    items = load_lens_file(path)
    cfg = ClusteringSettings()
    vecs = cached_embeddings(
        embedding_inputs(items, cfg), embedder.encode, model=cfg.model, cache_dir=CACHE
    )
    labels = [it.lens for it in items]
    stories = [it.story for it in items]
    sgkf = StratifiedGroupKFold(n_splits=HELDOUT_SPLITS, shuffle=True, random_state=SEED)
    pool, test = next(sgkf.split(np.zeros(len(items)), labels, stories))
    pool = [int(i) for i in pool]
    random.Random(SEED).shuffle(pool)
    per_lens = stories_per_lens(items)
    return Corpus(
        items=items,
        texts=[it.title for it in items],
        labels=labels,
        stories=stories,
        outlets=[it.source for it in items],
        embeddings=vecs,
        contexts=story_centroids(vecs, stories),
        pool=pool,
        test=sorted(int(i) for i in test),
        judged=sorted(lens for lens, n in per_lens.items() if n >= 3),
    )


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """The CLI sets the root logger's level and handler for the process; put them back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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
    """Insert corpus rows as stored takes of their outlet and story; corpus index -> id."""
    idx = list(idx)
    ids = store_labelled_takes(
        engine, [corpus.items[i] for i in idx], corpus.embeddings[idx], ClusteringSettings()
    )
    return dict(zip(idx, ids, strict=True))


def heldout_f1(corpus: Corpus, model: object) -> float:
    """Macro-F1 of a LensModel on the held-out stories, over the lenses of >= 3 stories."""
    from sklearn.metrics import f1_score

    t = corpus.test
    preds = model.predict(  # type: ignore[attr-defined]
        [corpus.texts[i] for i in t],
        embeddings=corpus.embeddings[t],
        outlets=[corpus.outlets[i] for i in t],
        contexts=corpus.contexts[t],
    )
    truth = [corpus.labels[i] for i in t]
    return float(
        f1_score(
            truth, [p for p, _ in preds], labels=corpus.judged, average="macro", zero_division=0
        )
    )
