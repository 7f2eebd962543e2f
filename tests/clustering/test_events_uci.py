"""Event, not topic, on real headlines of the UCI development file (picked by a general
query, never copied into the repository), streamed through the default clusterer:

- two market wrap-ups of consecutive days stay two stories;
- a product's launch coverage and its reviews a week later stay two stories, even when
  the launch story would still be live;
- the follow-ups of one event on the same day stay one story.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from clustering.embed import Embedder
from clustering.entities import spacy_entities_fn
from clustering.evaluate import LabelledItem, featurize, load_labelled, stream_features
from clustering.event import figures
from core.settings.clustering import ClusteringSettings
from tests.clustering.conftest import UCI

MARKET = re.compile(r"\b(stocks?|wall st(reet)?|s&p|dow|nasdaq)\b", re.IGNORECASE)
REVIEW = re.compile(r"\breview\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def uci(shared_dir: Path) -> list[LabelledItem]:
    path = shared_dir / UCI
    if not path.is_file():
        pytest.skip(f"{path} not found: these tests read headlines from ../shared/data")
    return load_labelled(path)


def _by_story(items: Sequence[LabelledItem]) -> dict[str, list[LabelledItem]]:
    out: dict[str, list[LabelledItem]] = {}
    for it in items:
        out.setdefault(it.cluster, []).append(it)
    return out


def _top_stories(items: Sequence[LabelledItem], query: re.Pattern, n: int) -> list[str]:
    """The `n` gold stories with the most headlines matching `query`."""
    hits = Counter(it.cluster for it in items if query.search(it.title))
    return [s for s, _ in hits.most_common(n)]


def _stream(
    items: Sequence[LabelledItem], embedder: Embedder, settings: ClusteringSettings
) -> list[int]:
    arts = featurize(items, settings, embedder, spacy_entities_fn())
    labels, _ = stream_features(arts, settings)
    return labels


def _majority_share(labels: Sequence[int], gold: Sequence[str], story: str) -> tuple[int, float]:
    """The predicted story holding most of gold `story`, and the share of it held there."""
    mine = Counter(lab for lab, g in zip(labels, gold, strict=True) if g == story)
    lab, n = mine.most_common(1)[0]
    return lab, n / sum(mine.values())


def _mixed(labels: Sequence[int], gold: Sequence[str], a: str, b: str) -> float:
    """Share of the articles of `a` and `b` sitting in a predicted story with the other."""
    of = {lab: {g for lab2, g in zip(labels, gold, strict=True) if lab2 == lab} for lab in labels}
    both = [g in (a, b) and {a, b} <= of[lab] for lab, g in zip(labels, gold, strict=True)]
    return sum(both) / sum(1 for g in gold if g in (a, b))


def test_market_wrap_ups_of_consecutive_days_stay_two_stories(uci, embedder) -> None:
    """The two gold stories with the most market headlines; the later one is moved to the
    next day at the same clock time as the first, keeping its own articles' spacing."""
    first, second = sorted(
        _top_stories(uci, MARKET, 2), key=lambda s: min(it.published for it in _by_story(uci)[s])
    )
    stories = _by_story(uci)
    day1 = stories[first]
    start1, start2 = day1[0].published, min(it.published for it in stories[second])
    shift = (start1 + timedelta(days=1)) - start2
    day2 = [replace(it, published=it.published + shift) for it in stories[second]]
    items = day1 + day2
    gold = [it.cluster for it in items]
    labels = _stream(items, embedder, ClusteringSettings())
    lab1, _share1 = _majority_share(labels, gold, first)
    lab2, _share2 = _majority_share(labels, gold, second)
    assert lab1 != lab2
    assert _mixed(labels, gold, first, second) <= 0.05


# Known gap, issue 12 left open: fitted time-free (clustering/fit.py), the join score leans on
# content, and wrap-up headlines of one day ("Stocks rise...", "Dow ends...") say little in
# common: each day stays apart from the other, but falls into several stories.
RECALL_GAP = pytest.mark.xfail(
    reason="issue 12: the content-only join score fragments a day of wrap-ups", strict=False
)


@RECALL_GAP
def test_a_day_of_market_wrap_ups_stays_mostly_one_story(uci, embedder) -> None:
    [story] = _top_stories(uci, MARKET, 1)
    items = _by_story(uci)[story]
    labels = _stream(items, embedder, ClusteringSettings())
    _lab, share = _majority_share(labels, [it.cluster for it in items], story)
    assert share >= 0.8, share


@pytest.mark.parametrize("window_hours", [72.0, 240.0])
def test_launch_and_reviews_a_week_later_stay_two_stories(uci, embedder, window_hours) -> None:
    """The gold story with the most review headlines: its other headlines are the launch
    coverage; its reviews are moved a week later. With a 10-day live window the launch
    story is still live when the reviews come, so only the event cues keep them apart."""
    [story] = _top_stories(uci, REVIEW, 1)
    members = _by_story(uci)[story]
    launch = [it for it in members if not REVIEW.search(it.title)]
    reviews = [
        replace(it, published=it.published + timedelta(days=7), cluster="reviews")
        for it in members
        if REVIEW.search(it.title)
    ]
    assert len(launch) >= 20 and len(reviews) >= 5
    items = launch + reviews
    gold = [it.cluster for it in items]
    labels = _stream(items, embedder, ClusteringSettings(window_hours=window_hours))
    assert _mixed(labels, gold, story, "reviews") == 0.0
    lab, share = _majority_share(labels, gold, "reviews")
    assert share >= 0.6, share


def test_follow_ups_of_one_event_the_same_day_stay_one_story(uci, embedder) -> None:
    """The gold story whose headlines most often quote one and the same figure (a deal's
    price): its same-day follow-ups must stay together."""
    quoted = Counter((it.cluster, f) for it in uci for f in figures(it.title))
    (story, _figure), _n = quoted.most_common(1)[0]
    members = _by_story(uci)[story]
    day = members[0].published.date()
    items = [it for it in members if it.published.date() == day]
    assert len(items) >= 20
    labels = _stream(items, embedder, ClusteringSettings())
    _lab, share = _majority_share(labels, [it.cluster for it in items], story)
    assert share >= 0.9, share
