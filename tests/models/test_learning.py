"""What the labels buy, judged on held-out STORIES: the learning curve, and the label queue
against random labelling.

Stand-in editors label UCI titles with their CATEGORY; every figure is macro-F1 (over the
lenses of at least 3 stories) on stories none of whose titles was ever labelled, since titles
of one story are near-copies sharing its lens. Numbers are printed (run with -s) for the
closing report; bench/bench_lens.py --quality measures the same over five story folds.
"""

from __future__ import annotations

import random

import numpy as np

from models.classifier import train
from models.predict import predict_missing
from models.retrain import retrain
from models.stage import label_queue, set_label
from store.takes import active_model
from tests.models.conftest import heldout_f1, store_takes, uci_config

SIZES = (50, 200, 1000)
BATCH = 45  # labels per queue round: 20 seed + 4 rounds = 200
RANDOM_DRAWS = 3


def _fit(corpus, idx, settings):
    return train(
        [corpus.texts[i] for i in idx],
        [corpus.labels[i] for i in idx],
        None,
        settings=settings,
        embeddings=corpus.embeddings[idx],
        outlets=[corpus.outlets[i] for i in idx],
        groups=[corpus.stories[i] for i in idx],
        contexts=corpus.contexts[idx],
    )


def test_pool_and_test_share_no_story(uci) -> None:
    assert not {uci.stories[i] for i in uci.pool} & {uci.stories[i] for i in uci.test}
    assert set(uci.judged) == {"business", "entertainment", "science / technology"}


def test_learning_curve_rises_with_labels(uci, uci_settings) -> None:
    """Nested random label sets of 50, 200 and 1,000 titles, scored on held-out stories."""
    order = list(uci.pool)
    random.Random(11).shuffle(order)
    f1 = {n: heldout_f1(uci, _fit(uci, order[:n], uci_settings)) for n in SIZES}
    print(f"\nlearning curve (macro-F1 on {len(uci.test)} titles of held-out stories): {f1}")
    assert f1[50] < f1[1000], f1
    assert f1[1000] >= 0.70, f1  # held-out stories: far below the 0.98 of a title split


def test_queue_beats_random_on_heldout_stories(
    uci, uci_settings, tmp_path, sqlite_engine, sqlite_url
):
    """200 labels picked from `label_queue` (retrain, predict, label 45, repeat) vs 200 random.

    Both start from the same 20 random labels; the queue arm goes through the real store path
    (set_label, retrain with promotion on story folds, predict_missing, label_queue, which
    spreads each batch over stories). The random arm is the mean of three draws.
    """
    config = uci_config(tmp_path, sqlite_url, min_labels=10, cv_folds=3)
    ids = store_takes(sqlite_engine, uci, uci.pool)
    index_of = {aid: i for i, aid in ids.items()}
    rng = random.Random(5)
    seed = rng.sample(uci.pool, 20)
    for i in seed:
        set_label(sqlite_engine, ids[i], uci.labels[i], None)
    chosen = list(seed)
    while len(chosen) < 200:
        retrain(sqlite_engine, config, progress=False)
        predict_missing(sqlite_engine, config, active_model(sqlite_engine))
        batch = label_queue(sqlite_engine, config, limit=BATCH)
        assert len(batch) == BATCH and batch[0]["priority"] >= batch[-1]["priority"]
        for take in batch:
            i = index_of[take["article_id"]]
            set_label(sqlite_engine, take["article_id"], uci.labels[i], None)
            chosen.append(i)
    rest = [i for i in uci.pool if i not in set(seed)]
    f1_queue = heldout_f1(uci, _fit(uci, chosen, uci_settings))
    f1_random = float(
        np.mean(
            [
                heldout_f1(uci, _fit(uci, seed + rng.sample(rest, 180), uci_settings))
                for _ in range(RANDOM_DRAWS)
            ]
        )
    )
    n_stories = len({uci.stories[i] for i in chosen})
    print(
        f"\n200 labels on held-out stories: queue macro-F1 {f1_queue:.3f} "
        f"({n_stories} stories), random {f1_random:.3f} (mean of {RANDOM_DRAWS})"
    )
    assert len(set(chosen)) == 200
    assert f1_queue > f1_random, (f1_queue, f1_random)
