"""Breaking on UCI timestamps: the biggest stories are breaking in their first hours and
not a day later; small stories are not breaking even when new; the queue sorts and filters.

Uses the default [review] breaking_* settings, the ones the queue runs with.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.settings.review import ReviewSettings
from store.queries import count_stories, list_stories
from store.velocity import BreakingRule, story_velocity, velocity_at
from tests.desk.uci import load_uci, store_uci


@pytest.fixture(scope="module")
def uci(shared_dir: Path, tmp_path_factory) -> tuple[Engine, dict, dict]:  # noqa: ANN001
    from store.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('uci') / 's.db'}")
    migrate(engine)
    data = load_uci(shared_dir / "data" / "uci-news-dev.csv")
    return engine, data, store_uci(engine, data)


def _rule() -> BreakingRule:
    r = ReviewSettings()
    return BreakingRule(
        r.breaking_window_h, r.breaking_baseline_h, r.breaking_ratio, r.breaking_min_articles
    )


def _flag(engine: Engine, sid: int, at) -> dict:  # noqa: ANN001
    with engine.connect() as conn:
        v = velocity_at(conn, _rule(), at)
        return story_velocity(conn, v, [sid])[sid]


def test_biggest_stories_break_early_and_not_a_day_later(uci) -> None:  # noqa: ANN001
    engine, data, ids = uci
    biggest = sorted(data, key=lambda g: -len(data[g]))[:8]
    for gold in biggest:
        first = data[gold][0]["published"]
        early = _flag(engine, ids[gold], first + timedelta(hours=1))
        later = _flag(engine, ids[gold], first + timedelta(hours=25))
        assert early["breaking"], (gold, len(data[gold]), early)
        assert early["velocity"] > early["desk_baseline"]
        assert not later["breaking"], (gold, later)
        assert later["velocity"] == 0


def test_small_stories_are_not_breaking_even_when_new(uci) -> None:  # noqa: ANN001
    engine, data, ids = uci
    smallest = sorted(data, key=lambda g: len(data[g]))[:8]
    flagged = [
        g
        for g in smallest
        if _flag(engine, ids[g], data[g][0]["published"] + timedelta(hours=1))["breaking"]
    ]
    assert flagged == [], [(g, len(data[g])) for g in flagged]


def test_queue_sorts_and_filters_by_velocity(uci) -> None:  # noqa: ANN001
    engine, data, ids = uci
    gold = max(data, key=lambda g: len(data[g]))
    at = data[gold][0]["published"] + timedelta(hours=1)
    with engine.connect() as conn:
        v = velocity_at(conn, _rule(), at)
    rows = list_stories(engine, sort="velocity", velocity=v, limit=200, min_confidence=0.5)
    speeds = [r["velocity"] for r in rows]
    assert speeds == sorted(speeds, reverse=True)
    assert rows[0]["id"] == ids[gold] and rows[0]["breaking"]
    only = list_stories(
        engine, sort="velocity", velocity=v, breaking=True, limit=200, min_confidence=0.5
    )
    assert only and all(r["breaking"] for r in only)
    assert {r["id"] for r in only} == {r["id"] for r in rows if r["breaking"]}
    assert count_stories(engine, velocity=v, breaking=True, min_confidence=0.5) == len(only)
    assert len(only) < len(rows)
