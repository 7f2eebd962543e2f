"""`storyloom crawl`: poll every source on its schedule and process what arrives, until told
to stop.

One asyncio loop does all the fetching (feed polls and page fetches through one guarded
Fetcher). CPU work never runs on it: page extraction goes to a small thread pool, and the
processing stages (NLP -> drafts, the stage runner's worker loop, storyloom/runner.py) run
in their own thread, woken when new articles were fetched. SIGTERM or SIGINT stops claiming new
work, gives in-flight fetches `shutdown_grace_s` to finish, hands back what is left (claims
released, sources left due) and returns; a second signal stops waiting for the processing
pass, whose rows then come back after their lease. Nothing here is lost on kill -9 either:
every stage writes its result only when done, and a claim is only a lease.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

from core.config import Config
from ingest.counters import Tally
from ingest.crawl import _record_failure, due_sources, fetch_pages, poll_source, shared_hosts
from ingest.fetch import Fetcher, FetchResult
from models.background import BackgroundRetrain
from store.db import utcnow
from store.notify import Listener
from storyloom.runner import run_worker, worker_stages

logger = logging.getLogger(__name__)

_SLEEP_STEP_S = 0.1  # how quickly a sleeping loop notices the stop flag


def _flatten(stage: str, result: Any) -> dict[str, float]:
    """A stage's result ({"articles": 3, ...} or a number) as counter increments."""
    if isinstance(result, bool):
        return {}
    if isinstance(result, int | float):
        return {f"stage_{stage}": float(result)}
    if isinstance(result, dict):
        return {
            f"stage_{stage}_{k}": float(v)
            for k, v in result.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
    return {}


class Processor:
    """The stage runner's worker loop (storyloom/runner.py) in one background thread.

    A class because it holds a thread and its wake-up line. The crawl loop wakes it when
    pages were fetched; on PostgreSQL, workers elsewhere are woken by NOTIFY as well. The
    thread is a daemon thread so that an impatient second signal can leave a long stage to
    its leases and still exit.
    """

    def __init__(self, engine: Engine, config: Config, tally: Tally) -> None:
        self.engine, self.config, self.tally = engine, config, tally
        self._listener = Listener(engine)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="process", daemon=True)
        self._retrain = BackgroundRetrain(engine, config)
        self.passes = 0

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._listener.wake()

    def stop(self) -> None:
        self._stop.set()
        self._listener.wake()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            with worker_stages(self.config) as chosen:
                while not self._stop.is_set():
                    try:
                        run_worker(
                            self.engine,
                            self.config,
                            chosen,
                            stop=self._stop,
                            listener=self._listener,
                            after_pass=self._after_pass,
                            on_result=self._count,
                        )
                    except Exception:
                        every = self.config.crawler.process_every_s
                        logger.exception("processing pass failed; retrying in %gs", every)
                        self.tally.add("errors_process")
                        self._stop.wait(every)
        finally:
            self._listener.close()

    def _count(self, name: str, result: Any, _seconds: float) -> None:
        for counter, value in _flatten(name, result).items():
            self.tally.add(counter, value)

    def _after_pass(self, _results: dict[str, Any]) -> None:
        self.passes += 1
        try:
            if self._retrain.maybe_start():
                self.tally.add("retrain_started")
        except Exception:
            logger.exception("retrain hook failed")
            self.tally.add("errors_retrain")


async def _poll(
    engine: Engine, config: Config, fetcher: Fetcher, src: dict[str, Any], tally: Tally
) -> dict[str, Any]:
    """poll_source, with an unexpected failure recorded on the source (and backed off) so a
    bug or a store hiccup shows up where the operator looks and never polls in a hot loop."""
    try:
        out = await poll_source(engine, config, fetcher, src)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        logger.exception("poll failed", extra={"source": src["name"]})
        tally.add("errors_poll")
        res = FetchResult(src["url"], src["url"], None, error="internal")
        res.detail = f"internal error while polling: {type(exc).__name__}: {exc}"
        try:
            _record_failure(engine, src, res, config)
        except Exception:
            logger.exception("could not record the failure", extra={"source": src["name"]})
        return {"source": src["name"], "error": "internal"}
    tally.add("polls_total")
    if out.get("error"):
        tally.add("polls_failed")
    tally.add("articles_new", out.get("new", 0))
    return out


async def _sleep(seconds: float, stop: threading.Event) -> None:
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(_SLEEP_STEP_S, left))


def _collect(task: asyncio.Task, tally: Tally) -> int:
    """The page-fetch task's result as counters; returns how many articles were fetched."""
    if task.cancelled():
        return 0
    exc = task.exception()
    if exc is not None:
        logger.error("page fetching failed", exc_info=exc)
        tally.add("errors_pages")
        return 0
    counts = task.result()
    tally.add("articles_fetch_done", counts["done"])
    tally.add("articles_fetch_error", counts["error"])
    return counts["done"]


async def _serve(
    engine: Engine, config: Config, stop: threading.Event, force: threading.Event
) -> None:
    c = config.crawler
    tally = Tally()
    extract_pool = ThreadPoolExecutor(c.workers, thread_name_prefix="extract")
    processor = Processor(engine, config, tally) if c.daemon_process else None
    if processor:
        processor.start()
        processor.wake()  # resume whatever a previous run left pending
    polls: dict[int, asyncio.Task] = {}
    pages: asyncio.Task | None = None
    last_flush = time.monotonic()
    rng = random.Random()
    logger.info(
        "daemon started",
        extra={"processing": c.daemon_process, "workers": c.workers, "tick_s": c.daemon_tick_s},
    )

    def flush(fetcher: Fetcher) -> None:
        tally.snapshot_fetcher(fetcher.counters)
        try:
            tally.flush(engine)
        except Exception:
            logger.exception("could not write counters; kept for the next flush")

    async with Fetcher(c, shared=shared_hosts(engine)) as fetcher:
        try:
            while not stop.is_set():
                for tid in [t for t, task in polls.items() if task.done()]:
                    polls.pop(tid)
                for src in due_sources(engine, config, utcnow()):
                    if src["id"] not in polls:
                        polls[src["id"]] = asyncio.create_task(
                            _poll(engine, config, fetcher, src, tally)
                        )
                if pages is None or pages.done():
                    if pages is not None and _collect(pages, tally) and processor:
                        processor.wake()
                    pages = asyncio.create_task(
                        fetch_pages(
                            engine, config, fetcher, executor=extract_pool, stopping=stop.is_set
                        )
                    )
                if time.monotonic() - last_flush >= c.counters_flush_s:
                    flush(fetcher)
                    last_flush = time.monotonic()
                # a little jitter so many daemons sharing a store do not tick in step
                await _sleep(c.daemon_tick_s * (1.0 + rng.uniform(0.0, c.poll_jitter)), stop)
        except Exception:
            logger.exception("daemon loop failed; stopping")
            tally.add("errors_daemon")
            stop.set()
        finally:
            await _wind_down(list(polls.values()), pages, c.shutdown_grace_s, tally)
            extract_pool.shutdown(wait=False, cancel_futures=True)
            if processor:
                processor.stop()
                if not processor.join(timeout=1.0):
                    logger.info(
                        "waiting for the processing pass to finish "
                        "(signal again to leave its rows to their lease)"
                    )
                    while not force.is_set() and not processor.join(timeout=_SLEEP_STEP_S):
                        pass
            flush(fetcher)
    logger.info("daemon stopped")


async def _wind_down(
    polls: list[asyncio.Task], pages: asyncio.Task | None, grace_s: float, tally: Tally
) -> None:
    """Let in-flight fetches finish within the grace period; cancel (hand back) the rest."""
    in_flight = [t for t in [*polls, pages] if t is not None and not t.done()]
    if in_flight:
        logger.info("stopping: finishing in-flight fetches", extra={"tasks": len(in_flight)})
        _, left = await asyncio.wait(in_flight, timeout=grace_s)
        for t in left:
            t.cancel()
        if left:
            logger.info("handed back unfinished work", extra={"tasks": len(left)})
        await asyncio.gather(*left, return_exceptions=True)
    if pages is not None and pages.done():
        _collect(pages, tally)


def install_signals(stop: threading.Event, force: threading.Event) -> Callable[[], None]:
    """SIGTERM/SIGINT set `stop`; a second one sets `force`. Returns a function restoring the
    previous handlers. Only the main thread may install handlers (tests run us in others)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            logger.warning("second %s: not waiting for the processing pass", name)
            force.set()
        else:
            logger.info("%s received: stopping cleanly", name)
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for s, h in previous.items():
            signal.signal(s, h)

    return restore


def run_daemon(engine: Engine, config: Config, *, stop_event: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop_event` is set); returns the exit code, 0."""
    stop = stop_event or threading.Event()
    force = threading.Event()
    restore = install_signals(stop, force)
    try:
        asyncio.run(_serve(engine, config, stop, force))
    finally:
        restore()
    if force.is_set() and any(t.name == "process" and t.is_alive() for t in threading.enumerate()):
        # A model mid-computation in a thread aborts the interpreter's shutdown (C++ terminate);
        # its rows are leased, so leaving now loses nothing.
        logging.shutdown()
        os._exit(0)
    return 0


__all__ = ["Processor", "install_signals", "run_daemon"]
