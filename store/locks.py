"""Store-wide locks: one clustering writer, one retrain, one migration, one SQLite worker.

On PostgreSQL these are session advisory locks, held on a connection of their own, so a
lock follows the process: a worker killed with -9 drops its connection and the lock with it.
On SQLite they are file locks (flock) beside the database file, released the same way.
The holder's transactions run on other connections; a lock is never taken twice by one
holder (flock and advisory locks on two connections would wait on themselves).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from core.errors import Conflict

logger = logging.getLogger(__name__)

# Names of the store-wide locks; each is one advisory lock key / one lock file.
CLUSTER = "cluster"  # stories' members and state: cluster stage, consolidation, editor ops
RETRAIN = "retrain"  # training a lens model: single-flight across machines
_POLL_S = 0.05  # how often a waiting holder retries a busy lock


class StoreBusy(Conflict):
    """Another process holds a lock this command needs (say which, and what to do)."""

    code = "SL101"


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for `name` (the same on every machine). PostgreSQL pairs
    it with a hash of the database and schema, so two stores on one server never share a
    lock."""
    digest = hashlib.sha256(f"storyloom:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


_STORE = "hashtext(current_database() || '.' || current_schema())"


def lock_path(engine: Engine, name: str) -> Path | None:
    """The lock file of an SQLite store (None for an in-memory one: one process anyway)."""
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    return Path(f"{db}.{name}.lock")


@contextmanager
def _pg_lock(engine: Engine, name: str, wait: bool | float) -> Iterator[bool]:
    key = lock_key(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if wait is True:
            conn.execute(text(f"SELECT pg_advisory_lock({_STORE}, :k)"), {"k": key})
            got = True
        else:
            deadline = time.monotonic() + float(wait or 0)
            while (
                not (
                    got := bool(
                        conn.execute(
                            text(f"SELECT pg_try_advisory_lock({_STORE}, :k)"), {"k": key}
                        ).scalar()
                    )
                )
                and time.monotonic() < deadline
            ):
                time.sleep(_POLL_S)
        try:
            yield got
        finally:
            if got:
                conn.execute(text(f"SELECT pg_advisory_unlock({_STORE}, :k)"), {"k": key})


@contextmanager
def _file_lock(path: Path | None, wait: bool | float) -> Iterator[bool]:
    if path is None:
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    got = False
    try:
        if wait is True:
            fcntl.flock(fd, fcntl.LOCK_EX)
            got = True
        else:
            deadline = time.monotonic() + float(wait or 0)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    got = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(_POLL_S)
        yield got
    finally:
        if got:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def writer_lock(engine: Engine, name: str, *, wait: bool | float) -> Iterator[bool]:
    """Hold the store-wide lock `name`; yields whether it was obtained.

    `wait=True` waits as long as it takes, `wait=False` tries once (a worker that finds the
    clustering writer busy does other stages meanwhile), a number waits that many seconds.
    """
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, name, wait) as got:
            yield got
    else:
        with _file_lock(lock_path(engine, name), wait) as got:
            yield got


@contextmanager
def single_process(engine: Engine, role: str) -> Iterator[None]:
    """On SQLite, refuse a second worker process on the same database file, clearly.

    SQLite has one writer at a time and no SKIP LOCKED: several workers would only queue on
    its lock (or worse, cluster in parallel). PostgreSQL takes any number; nothing to do.
    """
    path = lock_path(engine, "worker") if engine.dialect.name == "sqlite" else None
    if path is None:
        yield
        return
    with _file_lock(path, False) as got:
        if not got:
            other = path.with_suffix(".pid")
            pid = other.read_text().strip() if other.exists() else "?"
            raise StoreBusy(
                f"another storyloom process (pid {pid}) is already working on "
                f"{engine.url.database}: "
                "SQLite allows one worker process at a time. Stop it, or move the store to "
                "PostgreSQL ([storage] url = postgresql+psycopg://…) to run several workers"
            )
        pid_file = path.with_suffix(".pid")
        pid_file.write_text(f"{os.getpid()} {role}\n")
        try:
            yield
        finally:
            pid_file.unlink(missing_ok=True)


__all__ = ["CLUSTER", "RETRAIN", "StoreBusy", "lock_key", "single_process", "writer_lock"]
