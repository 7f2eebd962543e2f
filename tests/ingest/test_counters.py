"""Daemon counters add up in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from ingest.counters import Tally, add_counters, read_counters


def test_counters_add_up(engine: Engine) -> None:
    add_counters(engine, {"fetches_total": 3, "fetch_http_200": 2, "unused": 0})
    add_counters(engine, {"fetches_total": 1.5})
    assert read_counters(engine) == {"fetches_total": 4.5, "fetch_http_200": 2.0}


def test_tally_turns_fetcher_totals_into_increments(engine: Engine) -> None:
    t = Tally()
    t.snapshot_fetcher({"fetches_total": 5})
    t.add("articles_new", 2)
    assert t.flush(engine) == {"fetches_total": 5, "articles_new": 2}
    t.snapshot_fetcher({"fetches_total": 7})  # running total: only the 2 new ones count
    t.flush(engine)
    assert read_counters(engine) == {"fetches_total": 7.0, "articles_new": 2.0}
