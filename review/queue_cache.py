"""A short-lived cache of queue pages, shared by every editor of one server process.

The queue's sorts and filters aggregate over every story's members (regions, lenses), which
on a large store costs far more than rendering the page. The result only changes when the
pipeline adds articles or an editor acts, so a page is kept for a few seconds (served a little
longer while it is recomputed) and thrown away at once whenever an editor writes anything
through this app. Per-editor parts (new-take counts) are never cached.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any

Key = tuple[Any, ...]
Compute = Callable[[], tuple[int, list[dict[str, Any]]]]


class QueueCache:
    """Maps a queue query to (total, rows); a class for the state all requests share.

    Fresh for `ttl_s` seconds; after that the old page is still served while one background
    thread recomputes it (so no editor waits on the aggregate query), and when nothing is
    cached only one request computes a key while the others wait for its result.
    """

    def __init__(self, ttl_s: float, max_entries: int = 256) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._data: dict[Key, tuple[float, int, list[dict[str, Any]]]] = {}
        self._busy: dict[Key, threading.Event] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by clear(): a result computed before it is dropped

    def _store(self, key: Key, gen: int, total: int, rows: list[dict[str, Any]]) -> None:
        now = time.monotonic()
        with self._lock:
            if gen == self._generation:
                if len(self._data) >= self.max_entries:
                    self._data = {k: v for k, v in self._data.items() if v[0] > now}
                self._data[key] = (now + self.ttl_s, total, copy.deepcopy(rows))
            done = self._busy.pop(key, None)
        if done:
            done.set()

    def _refresh(self, key: Key, gen: int, compute: Compute) -> None:
        try:
            self._store(key, gen, *compute())
        except Exception:  # noqa: BLE001 - the next request computes it and sees the error
            with self._lock:
                done = self._busy.pop(key, None)
            if done:
                done.set()

    def get(self, key: Key, compute: Compute) -> tuple[int, list[dict[str, Any]]]:
        """The page for `key`: cached, stale while refreshing, or computed once for all."""
        if self.ttl_s <= 0:
            return compute()
        while True:
            with self._lock:
                hit = self._data.get(key)
                gen = self._generation
                busy = self._busy.get(key)
                if hit is not None:
                    if hit[0] <= time.monotonic() and busy is None:
                        self._busy[key] = threading.Event()
                        threading.Thread(
                            target=self._refresh, args=(key, gen, compute), daemon=True
                        ).start()
                    return hit[1], copy.deepcopy(hit[2])
                if busy is None:
                    self._busy[key] = threading.Event()
                    break
            busy.wait(timeout=30)  # another request is computing this page
        try:
            total, rows = compute()
        except BaseException:
            with self._lock:
                done = self._busy.pop(key, None)
            if done:
                done.set()
            raise
        self._store(key, gen, total, rows)
        return total, rows

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._generation += 1


class ClearOnWrite:
    """ASGI middleware: after any write request, drop every cached queue page."""

    def __init__(self, app: Any, cache: QueueCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                self.cache.clear()
