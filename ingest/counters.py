"""Daemon counters in the store's `counters` table, where /metrics will read them.

The daemon counts in memory and adds the increments to the table every few seconds in one
transaction, so counting costs no write per fetch; a kill -9 loses at most one flush of
counts, never data. Adding (not overwriting) lets several daemons share one store.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from store.schema import counters


def add_counters(engine: Engine, deltas: Mapping[str, float]) -> None:
    """counters[name] += delta for every non-zero delta (rows created on first use)."""
    items = [(k, float(v)) for k, v in sorted(deltas.items()) if v]
    if not items:
        return
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with engine.begin() as conn:
        for name, delta in items:
            stmt = insert(counters).values(name=name, value=delta)
            stmt = stmt.on_conflict_do_update(
                index_elements=[counters.c.name], set_={"value": counters.c.value + delta}
            )
            conn.execute(stmt)


def read_counters(engine: Engine) -> dict[str, float]:
    with engine.connect() as conn:
        return {r.name: r.value for r in conn.execute(select(counters))}


class Tally:
    """Counts since the last flush; `snapshot_fetcher` turns a Fetcher's running totals into
    increments, so fetch counts come from the one place every fetch passes through."""

    def __init__(self) -> None:
        self.pending: dict[str, float] = {}
        self._fetcher_seen: dict[str, float] = {}
        self._lock = threading.Lock()  # the processing thread counts too

    def add(self, name: str, value: float = 1.0) -> None:
        with self._lock:
            self.pending[name] = self.pending.get(name, 0.0) + value

    def snapshot_fetcher(self, totals: Mapping[str, float]) -> None:
        for name, total in totals.items():
            delta = total - self._fetcher_seen.get(name, 0.0)
            if delta:
                self.add(name, delta)
                self._fetcher_seen[name] = total

    def flush(self, engine: Engine) -> dict[str, float]:
        """Write the pending increments; on failure they stay pending for the next flush."""
        with self._lock:
            out, self.pending = self.pending, {}
        try:
            add_counters(engine, out)
        except Exception:
            for k, v in out.items():
                self.add(k, v)
            raise
        return out


__all__ = ["Tally", "add_counters", "read_counters"]
