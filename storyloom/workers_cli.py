"""`storyloom worker` and `storyloom doctor`, and what every long-running command does at
start: one process per SQLite store, and the doctor's repairs."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from core.config import Config

logger = logging.getLogger(__name__)


@contextmanager
def working(engine: Engine, config: Config, role: str) -> Iterator[None]:
    """Around a command that processes: refuse a second process on one SQLite store with a
    clear message, and repair inconsistent story state first (`[workers] doctor_at_start`)."""
    from store.claims import forget_all
    from store.locks import StoreBusy, single_process
    from storyloom.doctor import run_doctor

    with single_process(engine, role):
        if engine.dialect.name == "sqlite":  # one process: a claim left is a dead one's
            forget_all(engine)
        if config.workers.doctor_at_start:
            try:
                run_doctor(engine, config)
            except StoreBusy:  # another writer runs: it is consistent, or doctor runs there
                logger.info("doctor skipped at start: the clustering writer is busy")
        yield


def worker_cmd(
    ctx: typer.Context,
    stage_names: Annotated[
        str | None,
        typer.Option(
            "--stages",
            help="Comma-separated stages to run (nlp,embed,cluster,lens,drafts); "
            "default [workers] stages.",
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Exit when nothing is left to do.")] = False,
) -> None:
    """Process stored work until SIGTERM/SIGINT: any number of workers may share one
    PostgreSQL store, on any machines (on SQLite, one process)."""
    from storyloom.daemon import install_signals
    from storyloom.runner import run_worker, stages, worker_stages

    config, engine = ctx.obj.store()
    names = stage_names.split(",") if stage_names else config.workers.stages
    names = [n.strip() for n in names if n.strip()]
    stages(names)  # unknown names: InvalidInput, reported by the top before anything starts
    stop, force = threading.Event(), threading.Event()
    restore = install_signals(stop, force)
    try:
        with working(engine, config, "worker"), worker_stages(config, names) as chosen:
            logger.info("worker started", extra={"stages": [s.name for s in chosen]})
            totals = run_worker(engine, config, chosen, once=once, stop=stop)
    finally:
        restore()
    Console().print_json(json.dumps(totals, default=str))


def doctor_cmd(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option("--check", help="Report only, repair nothing.")] = False,
) -> None:
    """Find and repair inconsistent story state (members of merged stories, drafts of merged
    stories, missing clusterer state, wrong counts)."""
    from storyloom.doctor import run_doctor

    config, engine = ctx.obj.store()
    out = run_doctor(engine, config, repair=not check)
    Console().print_json(json.dumps(out, default=str))
    if check and out["problems"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_cmd)
    app.command("doctor")(doctor_cmd)


__all__ = ["register", "working"]
