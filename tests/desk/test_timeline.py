"""The story timeline on UCI timestamps: every article in one bar, each outlet's first
report at its earliest article, a bucket size that fits the span."""

from __future__ import annotations

from datetime import datetime, timedelta

from drafts.timeline import chart_geometry, story_timeline
from tests.desk.test_breaking import uci  # noqa: F401 - the module-scoped UCI store


def test_timeline_counts_and_first_reports(uci) -> None:  # noqa: ANN001, F811
    engine, data, ids = uci
    for gold in sorted(data, key=lambda g: -len(data[g]))[:5]:
        rows = data[gold]
        tl = story_timeline(engine, ids[gold], max_buckets=48)
        assert sum(tl["counts"]) == tl["n_articles"] == len(rows)
        assert len(tl["counts"]) <= 48
        start = datetime.fromisoformat(tl["start"])
        assert start <= rows[0]["published"] < start + timedelta(seconds=tl["bucket_s"])
        first = {}
        for r in rows:
            first.setdefault(r["publisher"], r["published"])
        got = {o["outlet"]: datetime.fromisoformat(o["first_at"]) for o in tl["outlets"]}
        assert got == first
        times = [o["first_at"] for o in tl["outlets"]]
        assert times == sorted(times)
        chart = chart_geometry(tl)
        assert len(chart["bars"]) == len(tl["counts"]) and len(chart["ticks"]) == len(first)
        assert all(0 <= t["x"] <= chart["width"] for t in chart["ticks"])
        assert max(b["h"] for b in chart["bars"]) > 0


def test_a_story_over_days_gets_coarser_buckets(uci) -> None:  # noqa: ANN001, F811
    engine, data, ids = uci
    gold = max(data, key=lambda g: len(data[g]))
    tl = story_timeline(engine, ids[gold], max_buckets=48)
    assert tl["bucket_s"] == 300  # a burst within minutes: 5-minute bars
    empty = story_timeline(engine, 10_000_000)
    assert empty["counts"] == [] and chart_geometry(empty)["bars"] == []
