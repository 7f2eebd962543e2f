"""What the labels buy: the learning curve, and uncertainty-first labelling against random.

Stand-in editors label UCI titles with their CATEGORY; every figure is macro-F1 on held-out
titles that were never labelled. Numbers are printed (run with -s) for the closing report.
"""

from __future__ import annotations

import random

from models.classifier import train
from models.predict import predict_missing
from models.retrain import retrain
from models.stage import label_queue, set_label
from store.takes import active_model
from tests.models.conftest import heldout_f1, store_takes, uci_config

SIZES = (50, 200, 1000)
BATCH = 45  # labels per queue round: 20 seed + 4 rounds = 200


def _fit(corpus, idx, settings):
    return train(
        [corpus.texts[i] for i in idx],
        [corpus.labels[i] for i in idx],
        None,
        settings=settings,
        embeddings=corpus.embeddings[idx],
    )


def test_learning_curve_rises_with_labels(uci, uci_settings) -> None:
    """Nested random label sets of 50, 200 and 1,000 titles; F1 must rise at each step."""
    order = list(uci.pool)
    random.Random(11).shuffle(order)
    f1 = {n: heldout_f1(uci, _fit(uci, order[:n], uci_settings)) for n in SIZES}
    print(f"\nlearning curve (macro-F1 on {len(uci.test)} held-out titles): {f1}")
    assert f1[50] < f1[200] < f1[1000], f1
    assert f1[1000] >= 0.85, f1


def test_uncertainty_first_beats_random(uci, uci_settings, tmp_path, sqlite_engine, sqlite_url):
    """200 labels picked from `label_queue` (retrain, predict, label 45, repeat) vs 200 random.

    Both start from the same 20 random labels; the queue arm goes through the real store path
    (set_label, retrain with promotion, predict_missing, label_queue).
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
        assert len(batch) == BATCH and batch[0]["uncertainty"] >= batch[-1]["uncertainty"]
        for take in batch:
            i = index_of[take["article_id"]]
            set_label(sqlite_engine, take["article_id"], uci.labels[i], None)
            chosen.append(i)
    rest = [i for i in uci.pool if i not in set(seed)]
    randomly = seed + rng.sample(rest, 180)
    f1_queue = heldout_f1(uci, _fit(uci, chosen, uci_settings))
    f1_random = heldout_f1(uci, _fit(uci, randomly, uci_settings))
    print(f"\n200 labels: uncertainty-first macro-F1 {f1_queue:.3f}, random {f1_random:.3f}")
    assert len(set(chosen)) == 200
    assert f1_queue > f1_random, (f1_queue, f1_random)
