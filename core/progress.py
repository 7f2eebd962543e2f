"""The one progress helper every long command uses: a rich bar on a terminal, log lines elsewhere.

On a terminal an operator wants a bar with rate and ETA; under systemd, cron or a log shipper
a redrawn bar is garbage, so there the same progress comes out as an ordinary log line every
few seconds (and one at the end), which JSON logging turns into JSON like any other line.

`progress_bars()` mirrors the part of rich's Progress API the commands use (add_task,
advance, update), so a stage can report several phases; `progress()` is the one-task case;
`watch()` follows work done elsewhere (a stage function) by polling how much is left.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

LOG_EVERY_S = 5.0  # plain mode: at most one line per task this often
WATCH_POLL_S = 0.5  # watch(): how often the remaining work is counted


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 5400:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@dataclass
class _Task:
    description: str
    total: float | None
    unit: str
    completed: float = 0.0
    started: float = field(default_factory=time.monotonic)
    last_log: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def rate(self) -> float | None:
        spent = (self.finished or time.monotonic()) - self.started
        return self.completed / spent if spent > 0 and self.completed else None

    def eta(self) -> float | None:
        rate = self.rate()
        if not rate or self.total is None:
            return None
        return max(self.total - self.completed, 0.0) / rate

    def line(self) -> str:
        done = f"{self.completed:,.0f}"
        if self.total:
            done += f"/{self.total:,.0f} {self.unit} ({100 * self.completed / self.total:.0f}%)"
        else:
            done += f" {self.unit}"
        rate = self.rate()
        speed = f"{rate:,.1f} {self.unit}/s" if rate else "-"
        return f"{self.description}: {done}, {speed}, ETA {_fmt_s(self.eta())}"


class Bars:
    """Tasks shown as rich bars (terminal), as log lines (no terminal) or not at all."""

    def __init__(self, mode: str, log_every_s: float = LOG_EVERY_S) -> None:
        self.mode = mode  # "rich" | "log" | "off"
        self.log_every_s = log_every_s
        self._tasks: dict[int, _Task] = {}
        self._rich: Any = None
        self._lock = threading.Lock()

    def add_task(self, description: str, total: float | None = None, unit: str = "items") -> int:
        with self._lock:
            tid = len(self._tasks)
            self._tasks[tid] = _Task(description, total, unit)
        if self._rich is not None:
            rich_id = self._rich.add_task(description, total=total, unit=unit)
            assert rich_id == tid
        return tid

    def advance(self, task: int, n: float = 1) -> None:
        self.update(task, completed=self._tasks[task].completed + n)

    def update(
        self, task: int, *, completed: float | None = None, total: float | None = None
    ) -> None:
        t = self._tasks[task]
        if total is not None:
            t.total = total
        if completed is not None:
            t.completed = completed
        if self._rich is not None:
            self._rich.update(task, completed=t.completed, total=t.total)
        elif self.mode == "log":
            now = time.monotonic()
            if now - t.last_log >= self.log_every_s:
                t.last_log = now
                logger.info(t.line(), extra={"task": t.description, "done": t.completed})

    def finish(self, task: int) -> None:
        """The task is over: its final line now (log mode), with its own duration."""
        t = self._tasks[task]
        if t.finished is not None:
            return
        t.finished = time.monotonic()
        if self.mode == "log":
            spent = t.finished - t.started
            logger.info(
                f"{t.line()}; finished in {_fmt_s(spent)}",
                extra={"task": t.description, "done": t.completed, "s": round(spent, 3)},
            )

    def _finish(self) -> None:
        for tid in list(self._tasks):
            self.finish(tid)


def _rich_progress() -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TextColumn("[cyan]{task.fields[rate]}"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


class _RichAdapter:
    """rich.Progress with a rate column that reads well for items and bytes alike."""

    def __init__(self) -> None:
        self.bar = _rich_progress()

    def add_task(self, description: str, total: float | None, unit: str) -> int:
        return int(self.bar.add_task(description, total=total, unit=unit, rate="-"))

    def update(self, task: int, *, completed: float, total: float | None) -> None:
        t = self.bar.tasks[task]
        speed = t.finished_speed or t.speed
        rate = f"{speed:,.1f} {t.fields.get('unit', '')}/s" if speed else "-"
        self.bar.update(task, completed=completed, total=total, rate=rate)


def is_terminal() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@contextmanager
def progress_bars(enabled: bool = True, *, log_every_s: float = LOG_EVERY_S) -> Iterator[Bars]:
    """Bars for one command; rich on a terminal, log lines otherwise, nothing when disabled."""
    mode = "off" if not enabled else ("rich" if is_terminal() else "log")
    bars = Bars(mode, log_every_s)
    if mode != "rich":
        try:
            yield bars
        finally:
            bars._finish()
        return
    adapter = _RichAdapter()
    bars._rich = adapter
    with adapter.bar:
        yield bars


class Task:
    """One task of a Bars: `advance(n)`, `update(completed=…)`."""

    def __init__(self, bars: Bars, tid: int) -> None:
        self.bars, self.tid = bars, tid

    def advance(self, n: float = 1) -> None:
        self.bars.advance(self.tid, n)

    def update(self, *, completed: float | None = None, total: float | None = None) -> None:
        self.bars.update(self.tid, completed=completed, total=total)


@contextmanager
def progress(
    description: str, total: float | None = None, unit: str = "items", *, enabled: bool = True
) -> Iterator[Task]:
    """A single task, e.g. `with progress("importing", total=size, unit="B") as p: p.advance(n)`."""
    with progress_bars(enabled) as bars:
        yield Task(bars, bars.add_task(description, total, unit))


@contextmanager
def watch(
    bars: Bars, description: str, total: int, remaining: Callable[[], int], unit: str = "rows"
) -> Iterator[Task]:
    """Follow work another function does: completed = total - remaining(), polled on a thread.

    For stage functions that take no callback: the store knows how many rows are left.
    """
    task = Task(bars, bars.add_task(description, total, unit))
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(WATCH_POLL_S):
            try:
                task.update(completed=max(total - remaining(), 0))
            except Exception as exc:  # noqa: BLE001 - a progress count must never fail the work
                logger.debug("progress poll failed: %s", exc)

    thread = threading.Thread(target=poll, name=f"progress-{description}", daemon=True)
    thread.start()
    try:
        yield task
    finally:
        stop.set()
        thread.join()
        try:  # what the store says was done, not what was hoped for
            task.update(completed=max(total - remaining(), 0))
        except Exception as exc:  # noqa: BLE001 - as in poll()
            logger.debug("progress count failed: %s", exc)
        bars.finish(task.tid)


__all__ = ["Bars", "Task", "is_terminal", "progress", "progress_bars", "watch"]
