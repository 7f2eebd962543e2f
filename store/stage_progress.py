"""A progress bar for a stage function that takes no callback: count its rows down.

Stages are plain functions over stored rows (storyloom/runner.py); how many rows a stage
still has to do is a query (store/opsstats.claimable), so the shared progress helper can
follow any stage, in `process`, `crawl --once` or an evaluation, without touching it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from core.progress import Bars, watch
from store.opsstats import claimable


@contextmanager
def stage_progress(bars: Bars, engine: Engine, stage: str) -> Iterator[None]:
    """Show `stage` working through its pending rows (nothing when progress is off)."""
    if bars.mode == "off":
        yield
        return
    total = claimable(engine, stage)
    with watch(bars, stage, total, lambda: claimable(engine, stage)):
        yield


__all__ = ["stage_progress"]
