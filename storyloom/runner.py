"""The one stage runner: `storyloom process`, `storyloom worker`, the crawl daemon's worker
and the evaluation path all run the stages through here, so the loop exists once.

A pass runs the chosen stages in data-flow order; each stage claims its own work with its
own lease (store/claims.py), so any number of runners on any number of machines share one
PostgreSQL store: they split the rows between them, and clustering, which has one writer
at a time, is skipped by a runner that finds the writer busy (it does the other stages
meanwhile). A worker repeats passes and, when a pass found nothing to do, sleeps until new
work is announced (LISTEN/NOTIFY, store/notify.py) or `[workers] idle_wait_s` passes.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from core.config import Config
from core.errors import InvalidInput
from core.progress import progress_bars
from core.settings.storage import WORKER_STAGES
from core.stagetime import timed
from store.notify import Listener
from store.stage_progress import stage_progress

if TYPE_CHECKING:  # spaCy: imported when a worker starts, not for `storyloom --help`
    from nlp.pool import NlpPool

logger = logging.getLogger(__name__)

StageFn = Callable[[Engine, Config], Any]
OnResult = Callable[[str, Any, float], None]


@dataclass(frozen=True)
class Stage:
    name: str
    run: StageFn


def stages(names: Sequence[str] | None = None, *, nlp_pool: NlpPool | None = None) -> list[Stage]:
    """The processing stages (all, or `names`) in data-flow order, whatever order `names`
    gives; NLP runs on `nlp_pool` when given. Imported here: they load models."""
    from clustering.stage import run_cluster, run_embed
    from drafts.stage import run_drafts
    from drafts.vectors import run_sentence_vectors
    from models.stage import run_predictions
    from nlp.stage import run_nlp

    every: dict[str, StageFn] = {
        "nlp": functools.partial(run_nlp, pool=nlp_pool),
        "embed": run_embed,
        "sentences": run_sentence_vectors,
        "cluster": run_cluster,
        "lens": run_predictions,
        "drafts": run_drafts,
    }
    wanted = list(WORKER_STAGES if names is None else names)
    unknown = [n for n in wanted if n not in every]
    if unknown:
        raise InvalidInput(f"unknown stages {unknown}; allowed: {', '.join(WORKER_STAGES)}")
    return [Stage(n, every[n]) for n in WORKER_STAGES if n in wanted]


@contextmanager
def worker_stages(config: Config, names: Sequence[str] | None = None) -> Iterator[list[Stage]]:
    """The stages with what they keep for the worker's life: the NLP process pool (with
    `[nlp] n_process` > 1), closed on the way out. Models stay loaded in their caches."""
    from nlp.pool import NlpPool

    chosen = list(names) if names is not None else list(config.workers.stages)
    if config.nlp.n_process > 1 and "nlp" in chosen:
        with NlpPool(config.nlp) as pool:
            yield stages(chosen, nlp_pool=pool)
    else:
        yield stages(chosen)


def did_work(result: Any) -> bool:
    """Whether a stage's result counts any work done ({"articles": 3}, 2, ...)."""
    if isinstance(result, bool):
        return result
    if isinstance(result, int | float):
        return result > 0
    if isinstance(result, dict):
        return any(did_work(v) for k, v in result.items() if k != "busy")
    return False


def was_busy(result: Any) -> bool:
    """A stage that could not run because another process holds its writer lock."""
    return isinstance(result, dict) and bool(result.get("busy"))


def run_pass(
    engine: Engine,
    config: Config,
    chosen: Sequence[Stage],
    *,
    stop: Callable[[], bool] = lambda: False,
    on_result: OnResult | None = None,
    bars: Any = None,
) -> dict[str, Any]:
    """Each stage once, in order, over what is stored; stops between stages when asked.
    Each stage is timed for /metrics and, with `bars` (core/progress.py), followed by a
    bar that counts its pending rows down."""
    done: dict[str, Any] = {}
    for st in chosen:
        if stop():
            break
        t0 = time.perf_counter()
        follow = stage_progress(bars, engine, st.name) if bars is not None else nullcontext()
        with timed(st.name), follow:
            done[st.name] = st.run(engine, config)
        seconds = time.perf_counter() - t0
        logger.info(
            "stage finished",
            extra={"stage": st.name, "result": done[st.name], "s": round(seconds, 3)},
        )
        if on_result is not None:
            on_result(st.name, done[st.name], seconds)
    return done


def process(
    engine: Engine,
    config: Config,
    chosen: Sequence[Stage] | None = None,
    *,
    on_result: OnResult | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Passes until nothing is left that this process can do: `storyloom process`, the
    evaluation path, benches. Returns the summed counts per stage. `progress`: a bar per
    stage (log lines off a terminal)."""
    if chosen is None:
        with worker_stages(config, WORKER_STAGES) as own:
            return process(engine, config, own, on_result=on_result, progress=progress)
    totals: dict[str, Any] = {}
    with progress_bars(progress) as bars:
        while True:
            out = run_pass(engine, config, chosen, on_result=on_result, bars=bars)
            _add(totals, out)
            if not any(did_work(r) for r in out.values()):
                if any(was_busy(r) for r in out.values()):
                    time.sleep(config.workers.idle_wait_s / 100)  # another writer first
                    continue
                return totals


def _add(totals: dict[str, Any], out: dict[str, Any]) -> None:
    for name, res in out.items():
        if isinstance(res, dict):
            acc = totals.setdefault(name, {})
            for k, v in res.items():
                if isinstance(v, int | float) and not isinstance(v, bool) and k != "busy":
                    acc[k] = acc.get(k, 0) + v
                elif k not in acc:
                    acc[k] = v
        elif isinstance(res, int | float) and not isinstance(res, bool):
            totals[name] = totals.get(name, 0) + res
        else:
            totals[name] = res


def run_worker(
    engine: Engine,
    config: Config,
    chosen: Sequence[Stage],
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    listener: Listener | None = None,
    after_pass: Callable[[dict[str, Any]], None] | None = None,
    on_result: OnResult | None = None,
) -> dict[str, Any]:
    """Passes until `stop` is set (or, with `once`, until nothing is left to do).

    Idle, it sleeps on `listener` (LISTEN/NOTIFY on PostgreSQL, a local wake-up on SQLite)
    for at most `idle_wait_s`, so expired claims of a killed worker are picked up too.
    `after_pass` runs after every pass (the daemon's retrain hook and counters).
    """
    stop = stop or threading.Event()
    own = listener is None
    listener = listener or Listener(engine)
    totals: dict[str, Any] = {}
    passes = 0
    try:
        while not stop.is_set():
            out = run_pass(engine, config, chosen, stop=stop.is_set, on_result=on_result)
            passes += 1
            _add(totals, out)
            if after_pass is not None:
                after_pass(out)
            worked = any(did_work(r) for r in out.values())
            busy = any(was_busy(r) for r in out.values())
            if worked:
                continue
            if once and not busy:
                break
            # busy: another process is clustering; look again soon, not after a full idle wait
            wait = config.workers.idle_wait_s / (10 if busy else 1)
            listener.wait(wait)
    finally:
        if own:
            listener.close()
    logger.info("worker stopped", extra={"passes": passes})
    return totals


def run_stages(
    engine: Engine, config: Config, names: Sequence[str], on_result: OnResult | None = None
) -> dict[str, Any]:
    """`names` until nothing is left, with the worker's resources: the evaluation path."""
    with worker_stages(config, names) as chosen:
        return process(engine, config, chosen, on_result=on_result)


def run_once(engine: Engine, config: Config, *, progress: bool = False) -> dict[str, Any]:
    """`storyloom crawl --once` and the demo: poll due sources, fetch their pages, then
    process everything pending."""
    from ingest.crawl import crawl_once

    with timed("crawl"):
        out: dict[str, Any] = {"crawl": crawl_once(engine, config)}
    out.update(process(engine, config, progress=progress))
    return out


__all__ = [
    "Stage",
    "did_work",
    "process",
    "run_once",
    "run_pass",
    "run_stages",
    "run_worker",
    "stages",
    "worker_stages",
]
