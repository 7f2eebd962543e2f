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

logger = logging.getLogger(__name__)


def processing_stages() -> list[tuple[str, Callable[[Engine, Config], Any]]]:
    """The stages after ingest, in data-flow order (imported here: they load models)."""
    from clustering.stage import run_cluster, run_embed
    from drafts.stage import run_drafts
    from models.stage import run_predictions
    from nlp.stage import run_nlp

    return [
        ("nlp", run_nlp),
        ("embed", run_embed),
        ("cluster", run_cluster),
        ("lens", run_predictions),
        ("drafts", run_drafts),
    ]


def process(engine: Engine, config: Config) -> dict[str, Any]:
    """NLP → embeddings → clustering → lens predictions → drafts over pending rows."""
    done: dict[str, Any] = {}
    for name, fn in processing_stages():
        t0 = time.perf_counter()
        done[name] = fn(engine, config)
        logger.info(
            "stage finished",
            extra={"stage": name, "result": done[name], "s": time.perf_counter() - t0},
        )
    return done


def run_once(engine: Engine, config: Config) -> dict[str, Any]:
    """One full pass: poll due sources, fetch their pages, then process everything pending."""
    from ingest.crawl import crawl_once

    out = {"crawl": crawl_once(engine, config)}
    out.update(process(engine, config))
    return out
