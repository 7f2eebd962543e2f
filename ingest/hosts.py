"""Per-host politeness shared through the store, so N crawlers are as polite as one.

Each crawler keeps its own adaptive delay (ingest/politeness.py); before a request starts it
also reserves a start time in the store's `hosts` row: the row says when the next request to
the host may start, across every crawler on every machine, and until when the host asked us
to stay away (Retry-After on 429/503). The reservation is one short transaction with the
row locked, so two crawlers never get the same start time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from store.db import aware, insert_on_conflict, utcnow
from store.schema import hosts

logger = logging.getLogger(__name__)


def _later(*times: datetime | None) -> datetime:
    return max(aware(t) for t in times if t is not None)


class SharedHosts:
    """The store side of politeness; one per crawler. A class for the engine it holds."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _row(self, conn, host: str):  # noqa: ANN001, ANN202
        conn.execute(
            insert_on_conflict(conn, hosts)
            .values(host=host, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=[hosts.c.host])
        )
        q = select(hosts).where(hosts.c.host == host)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        return conn.execute(q).one()

    def reserve(self, host: str, delay_s: float) -> float:
        """Take the host's next start slot; returns seconds to wait before starting.

        The slot after ours is `delay_s` later (this crawler's current adaptive delay, also
        kept on the row so an operator sees it), and never before a Retry-After block ends.
        """
        now = utcnow()
        with self.engine.begin() as conn:
            row = self._row(conn, host)
            start = _later(now, row.next_start_at, row.blocked_until)
            conn.execute(
                update(hosts)
                .where(hosts.c.host == host)
                .values(
                    next_start_at=start + timedelta(seconds=delay_s),
                    delay_s=delay_s,
                    updated_at=now,
                )
            )
        return max(0.0, (start - now).total_seconds())

    def block(self, host: str, seconds: float) -> None:
        """The host answered 429/503 with Retry-After: no crawler starts a request before."""
        now = utcnow()
        until = now + timedelta(seconds=seconds)
        with self.engine.begin() as conn:
            row = self._row(conn, host)
            conn.execute(
                update(hosts)
                .where(hosts.c.host == host)
                .values(blocked_until=_later(until, row.blocked_until), updated_at=now)
            )
        logger.info("host %s asked us to wait %.0fs (Retry-After)", host, seconds)


__all__ = ["SharedHosts"]
