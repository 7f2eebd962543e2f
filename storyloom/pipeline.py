"""Run every stage once over what is stored: the daemon's unit of work and `make run`'s.

Each stage is a plain function over stored rows, idempotent: running this twice in a row
does nothing the second time, and stopping it anywhere loses nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from core.config import Config
from core.progress import progress_bars
from core.stagetime import timed
from store.stage_progress import stage_progress

logger = logging.getLogger(__name__)


def processing_stages() -> list[tuple[str, Callable[[Engine, Config], Any]]]:
    """The stages after ingest, in data-flow order (imported here: they load models)."""
    from clustering.stage import run_cluster, run_embed
    from drafts.stage import run_drafts
    from drafts.vectors import run_sentence_vectors
    from models.stage import run_predictions
    from nlp.stage import run_nlp

    return [
        ("nlp", run_nlp),
        ("embed", run_embed),
        ("sentences", run_sentence_vectors),
        ("cluster", run_cluster),
        ("lens", run_predictions),
        ("drafts", run_drafts),
    ]


def process(engine: Engine, config: Config, *, progress: bool = False) -> dict[str, Any]:
    """NLP → embeddings → clustering → lens predictions → drafts over pending rows.

    `progress`: a bar per stage counting its pending rows down (log lines off a terminal).
    """
    done: dict[str, Any] = {}
    with progress_bars(progress) as bars:
        for name, fn in processing_stages():
            t0 = time.perf_counter()
            with timed(name), stage_progress(bars, engine, name):
                done[name] = fn(engine, config)
            logger.info(
                "stage finished",
                extra={"stage": name, "result": done[name], "s": time.perf_counter() - t0},
            )
    return done


def run_once(engine: Engine, config: Config, *, progress: bool = False) -> dict[str, Any]:
    """One full pass: poll due sources, fetch their pages, then process everything pending."""
    from ingest.crawl import crawl_once

    with timed("crawl"):
        out = {"crawl": crawl_once(engine, config)}
    out.update(process(engine, config, progress=progress))
    return out
