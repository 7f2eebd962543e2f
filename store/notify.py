"""Waking idle workers: PostgreSQL LISTEN/NOTIFY, so an idle worker sleeps instead of polling.

Whoever adds work (a crawler storing entries, an import, a stage finishing rows the next
stage needs) calls `notify_work` in its transaction; PostgreSQL delivers the notice at
commit to every listening worker on every machine. On SQLite there is one process, and the
crawler in it wakes the worker through the same Listener's `wake()`.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Connection, Engine, text

logger = logging.getLogger(__name__)

CHANNEL = "storyloom_work"


def notify_work(conn: Connection, what: str) -> None:
    """Tell listening workers that `what` (a stage name) has new work, at commit."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:c, :w)"), {"c": CHANNEL, "w": what})


class Listener:
    """One worker's wake-up line: a LISTENing connection (PostgreSQL) and a local event.

    A class because it holds the connection for the worker's life: notices that arrive
    while the worker is busy are queued on it and end the next wait at once.
    """

    def __init__(self, engine: Engine) -> None:
        self._event = threading.Event()
        self._pg = None
        if engine.dialect.name == "postgresql":
            raw = engine.raw_connection()
            self._pg = raw.driver_connection
            raw.detach()  # autocommit and LISTENing: never handed back to the pool
            self._pg.autocommit = True
            self._pg.execute(f"LISTEN {CHANNEL}")

    def wake(self) -> None:
        """Wake the worker from this process (a crawler thread, a stop signal)."""
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Sleep until notified, woken or `timeout` seconds passed; True when notified/woken."""
        if self._event.is_set():
            self._event.clear()
            return True
        if self._pg is None:
            woke = self._event.wait(timeout)
            self._event.clear()
            return woke
        deadline = time.monotonic() + timeout
        step = min(timeout, 0.5)  # a local wake() is noticed within a step
        while (left := deadline - time.monotonic()) > 0:
            got = list(self._pg.notifies(timeout=min(step, left), stop_after=1))
            if got or self._event.is_set():
                self._event.clear()
                # many notices may be queued: one wake-up is enough for all of them
                list(self._pg.notifies(timeout=0.01))
                return True
        return False

    def close(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()
            except Exception:  # noqa: BLE001 - closing a broken connection is fine
                logger.debug("closing the LISTEN connection failed", exc_info=True)
            self._pg = None


__all__ = ["CHANNEL", "Listener", "notify_work"]
