"""The queue cache: shared for a moment, stale only while refreshing, dropped on writes."""

from __future__ import annotations

import threading
import time

from review.queue_cache import QueueCache


def counter() -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> tuple[int, list[dict]]:
        calls.append(1)
        time.sleep(0.05)
        return len(calls), [{"n": len(calls)}]

    return calls, compute


def test_fresh_hits_then_stale_while_one_refresh_runs() -> None:
    cache = QueueCache(ttl_s=0.2)
    calls, compute = counter()
    assert cache.get("k", compute)[0] == 1
    assert cache.get("k", compute)[0] == 1 and len(calls) == 1
    rows = cache.get("k", compute)[1]
    rows[0]["n"] = 99  # callers get copies
    assert cache.get("k", compute)[1] == [{"n": 1}]
    time.sleep(0.25)
    assert cache.get("k", compute)[0] == 1  # stale, served at once; refresh in background
    time.sleep(0.15)
    assert cache.get("k", compute)[0] == 2 and len(calls) == 2


def test_clear_drops_everything_even_a_refresh_in_flight() -> None:
    cache = QueueCache(ttl_s=60)
    calls, compute = counter()
    cache.get("k", compute)
    cache.clear()
    assert cache.get("k", compute)[0] == 2


def test_concurrent_misses_compute_once() -> None:
    cache = QueueCache(ttl_s=60)
    calls, compute = counter()
    out = []
    threads = [
        threading.Thread(target=lambda: out.append(cache.get("k", compute))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(o[0] == 1 for o in out)


def test_zero_ttl_turns_it_off() -> None:
    cache = QueueCache(ttl_s=0)
    calls, compute = counter()
    cache.get("k", compute)
    cache.get("k", compute)
    assert len(calls) == 2
