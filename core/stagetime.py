"""Stage batch latency, per process, as a Prometheus histogram.

Counts come from the store (right with many processes); how long one pass of a stage takes
is a property of the process that ran it, so it is measured here, where the stage runs,
and /metrics of that process shows it (`storyloom demo` and `serve` in one process do).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Histogram

# seconds: a pass over a handful of rows up to one over a whole backlog
BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
STAGE_SECONDS = Histogram(
    "storyloom_stage_batch_seconds",
    "Seconds one pass (batch) of a pipeline stage took in this process.",
    ["stage"],
    buckets=BUCKETS,
    registry=None,  # each app registers it in its own registry
)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage=stage).observe(time.perf_counter() - t0)


__all__ = ["STAGE_SECONDS", "timed"]
