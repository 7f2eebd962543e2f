"""NLP worker processes that live as long as their owner (a worker), not one pool per batch.

`analyse_texts` used to start a process pool for every large batch: a fork, a pipeline
inherited or loaded, and the pool torn down again, once per claimed batch. A worker owns
one `NlpPool` for its life instead; each pipeline is loaded in the parent once, before the
first fork, and its processes inherit it.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from core.settings.nlp import NlpSettings
from nlp.pipelines import pipeline_for

logger = logging.getLogger(__name__)


def pool_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class NlpPool:
    """One process pool per pipeline, created on first use. A class: it owns processes."""

    def __init__(self, settings: NlpSettings) -> None:
        self.settings = settings
        self._pools: dict[str, ProcessPoolExecutor] = {}

    def executor(self, model: str) -> ProcessPoolExecutor:
        pool = self._pools.get(model)
        if pool is None:
            if pool_context().get_start_method() == "fork":
                pipeline_for(model, self.settings)  # loaded once here, inherited by the fork
            pool = ProcessPoolExecutor(
                max_workers=self.settings.n_process, mp_context=pool_context()
            )
            self._pools[model] = pool
            logger.info("nlp pool started", extra={"model": model, "processes": pool._max_workers})
        return pool

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)
        self._pools.clear()

    def __enter__(self) -> NlpPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["NlpPool", "pool_context"]
