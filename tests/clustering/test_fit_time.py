"""Time is learned only from stories that last: a labelled file whose stories carry no
duration (UCI's) is fitted on the articles' order alone, and the settings keep their time
weights (clustering/fit.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from clustering.entities import spacy_entities_fn
from clustering.evaluate import (
    LabelledItem,
    featurize,
    load_labelled,
    score_labels,
    stream_features,
)
from clustering.fit import (
    TIME_WEIGHTS,
    fit_settings,
    keep_time_weights,
    learns_time,
    median_story_span_hours,
    one_moment,
)
from clustering.score import FEATURES
from clustering.state import ArticleFeatures
from core.settings.clustering import ClusteringSettings
from ingest.sample_server import load_corpus
from tests.clustering.conftest import UCI

T0 = datetime(2026, 11, 16, 8, tzinfo=UTC)


def _art(i: int, hours: float) -> ArticleFeatures:
    return ArticleFeatures(
        i, np.ones(4, np.float32), f"t{i}", frozenset(), T0 + timedelta(hours=hours), "s"
    )


def test_stories_without_duration_cannot_teach_time() -> None:
    burst = [_art(0, 0), _art(1, 0.005), _art(2, 30), _art(3, 30.01)]
    days = [_art(0, 0), _art(1, 20), _art(2, 30), _art(3, 52)]
    gold = ["a", "a", "b", "b"]
    auto = ClusteringSettings()
    assert median_story_span_hours(burst, gold) < 0.02
    assert median_story_span_hours(days, gold) == pytest.approx(21)
    assert not learns_time(burst, gold, auto) and learns_time(days, gold, auto)
    assert learns_time(burst, gold, auto.model_copy(update={"fit_time": "learn"}))
    assert not learns_time(days, gold, auto.model_copy(update={"fit_time": "keep"}))


def test_one_moment_keeps_the_order_and_drops_the_clock() -> None:
    arts = [_art(0, 5), _art(1, 0), _art(2, 48)]
    flat = one_moment(arts)
    assert [a.id for a in sorted(flat, key=lambda a: a.published)] == [1, 0, 2]
    assert (max(a.published for a in flat) - min(a.published for a in flat)).total_seconds() < 1


def test_kept_time_weights_leave_every_one_moment_score_as_fitted() -> None:
    """Fitted time-free, each time feature is 1 on every row: swapping its weight for the
    settings' one and moving the difference into the bias changes no such score."""
    base = ClusteringSettings()
    rng = np.random.default_rng(0)
    fitted = {f"w_{k}": float(rng.normal()) for k in FEATURES} | {"bias": -2.5}
    kept = keep_time_weights(fitted, base)
    x = {k: float(rng.random()) for k in FEATURES} | dict.fromkeys(TIME_WEIGHTS, 1.0)

    def score(w: dict[str, float]) -> float:
        return w["bias"] + sum(w[f"w_{k}"] * x[k] for k in FEATURES)

    assert all(kept[f"w_{k}"] == getattr(base, f"w_{k}") for k in TIME_WEIGHTS)
    assert score(kept) == pytest.approx(score(fitted), abs=1e-3)


def test_a_fit_on_uci_headlines_keeps_the_settings_time_weights(shared_dir: Path, embedder) -> None:
    path = shared_dir / UCI
    if not path.is_file():
        pytest.skip(f"{path} not found: this test reads headlines from ../shared/data")
    items = load_labelled(path)[:400]
    base = ClusteringSettings(w_rhythm=3.0, w_recency=-0.5)
    arts = featurize(items, base, embedder, None)
    gold = [it.cluster for it in items]
    fitted = fit_settings(arts, gold, base)
    assert fitted.trace[0]["time_free"] is True
    assert (fitted.settings.w_rhythm, fitted.settings.w_recency) == (3.0, -0.5)
    # the same headlines an hour apart, in order, do teach time: it is refitted
    spread = [replace(a, published=T0 + timedelta(hours=i)) for i, a in enumerate(arts)]
    assert fit_settings(spread, gold, base).settings.w_rhythm != 3.0


def test_the_bundled_multi_day_stories_hold_together_with_the_defaults(embedder) -> None:
    """The sample corpus's stories run over 1-2.5 days with pauses of hours: a join score
    that learned UCI's clock (stop 20's, BCubed 0.46 here) splits them and merges whatever
    arrives together."""
    corpus = load_corpus()
    items = [
        LabelledItem(
            a["id"],
            a["title"],
            " ".join(a["paragraphs"]),
            datetime.fromisoformat(a["published"].replace("Z", "+00:00")),
            a["outlet"],
            a["story"] or f"one-off {a['id']}",
        )
        for a in corpus["articles"]
    ]
    settings = ClusteringSettings()
    labels, _ = stream_features(featurize(items, settings, embedder, spacy_entities_fn()), settings)
    got = score_labels(labels, [it.cluster for it in items])
    assert got["bcubed"]["f1"] >= 0.9 and got["pairwise"]["precision"] >= 0.9, got
