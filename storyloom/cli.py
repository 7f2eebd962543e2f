"""The one command-line entry point: `storyloom`.

Heavy modules (spaCy, torch, FastAPI) are imported inside the commands that need them, so
`storyloom --help` and quick commands stay instant.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from core.config import Config, ConfigError, iter_settings, load_config
from core.context import CommandContext
from core.errors import StoryloomError, describe, exit_code
from core.logs import apply_settings, setup_logging


class _ReportErrors(TyperGroup):
    """Every command's StoryloomError is reported here, one way: its code and message on
    stderr, its exit code (core/errors.py). Anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoryloomError as e:
            err.print(f"[bold red]Error[/] {escape(describe(e))}", soft_wrap=True)
            raise typer.Exit(exit_code(e)) from None


app = typer.Typer(
    cls=_ReportErrors,
    help="storyloom: finds the stories news outlets share and drafts a page per story.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Measure quality and speed on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # error lines stay whole for grep and logs


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="config.toml to use (default: ./config.toml).",
            envvar="STORYLOOM_CONFIG",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    log_json: Annotated[bool, typer.Option(help="Log one JSON object per line.")] = False,
) -> None:
    def load(path: Path | None) -> Config:
        return _load(path, log_level=log_level, log_json=log_json)

    ctx.obj = CommandContext(config_path=config, load_config=load, open_engine=get_engine)
    setup_logging(log_level, json_lines=log_json)


def _load(path: Path | None, *, log_level: str = "info", log_json: bool = False) -> Config:
    """The validated config; a bad one is reported here, once, for every command.

    Logging follows the loaded `[logging]` section from here on (the flags win)."""
    try:
        config = load_config(path)
    except ConfigError as e:
        err.print(f"[bold red]Configuration error[/]: {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    apply_settings(config.logging, cli_level=log_level, cli_json=log_json)
    return config


def get_engine(config: Config, *, migrate: bool = False):  # noqa: ANN201 - sqlalchemy Engine
    """The store named by the config, its sources in line with config.toml.

    Only `storyloom init` (and the one-command demo) migrate: any other command on a store
    whose schema is behind stops with a message saying to run `storyloom init`, so N workers
    starting at once never race to alter tables.
    """
    from store.articles import sync_sources
    from store.db import connect_store, open_store

    url, busy = config.storage.url, config.storage.busy_timeout_ms
    engine = open_store(url, busy) if migrate else connect_store(url, busy)
    with engine.begin() as conn:
        sync_sources(conn, config.sources)
    return engine


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or migrate the database and register the configured sources (the one command
    that migrates: run it once after an upgrade, before starting workers)."""
    config = ctx.obj.config()
    get_engine(config, migrate=True)
    console.print(f"database ready at {config.storage.url} with {len(config.sources)} sources")


@app.command("config")
def show_config(
    ctx: typer.Context,
    settings: Annotated[
        bool, typer.Option("--settings", help="List every setting with its help.")
    ] = False,
) -> None:
    """Validate the configuration and print it (secrets hidden)."""
    config = ctx.obj.config()
    if settings:
        for key, help_ in iter_settings():
            console.print(f"[bold]{key}[/]  {help_}")
        return
    data = config.model_dump(mode="json")
    if data["review"].get("secret_key"):
        data["review"]["secret_key"] = "***"
    console.print_json(json.dumps(data))


@app.command()
def crawl(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="One pass over due sources, then exit.")
    ] = False,
) -> None:
    """Poll every source on its schedule and process what arrives, until SIGTERM/SIGINT
    (a crawler plus a worker; on PostgreSQL any number may run at once)."""
    from storyloom.workers_cli import working

    config = ctx.obj.config()
    engine = get_engine(config)
    with working(engine, config, "crawl"):
        if once:
            from storyloom.runner import run_once

            out = run_once(engine, config, progress=True)
            console.print_json(json.dumps(out, default=str))
            return
        from storyloom.daemon import run_daemon

        run_daemon(engine, config)


@app.command()
def process(ctx: typer.Context) -> None:
    """Run NLP, embeddings, clustering, lens predictions and drafts over pending rows."""
    from storyloom.runner import process as run
    from storyloom.workers_cli import working

    config = ctx.obj.config()
    engine = get_engine(config)
    with working(engine, config, "process"):
        console.print_json(json.dumps(run(engine, config, progress=True), default=str))


@app.command()
def consolidate(ctx: typer.Context) -> None:
    """Merge converged and split drifted live stories now (the cluster stage also does
    this every `consolidate_every` articles); each change is logged with its reason."""
    from clustering.consolidate_stage import run_consolidate
    from core.progress import progress

    config = ctx.obj.config()
    engine = get_engine(config)
    # one transaction over every live story: the bar is the pass, with its time
    with progress("consolidating live stories", total=1, unit="passes") as bar:
        out = run_consolidate(engine, config)
        bar.advance()
    console.print_json(json.dumps(out))


@app.command()
def stories(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="open, approved or merged.")] = None,
    sort: Annotated[str, typer.Option(help="recency, sources or regions.")] = "recency",
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
) -> None:
    """List stories, newest first."""
    from store.queries import list_stories

    config = ctx.obj.config()
    rows = list_stories(
        get_engine(config),
        status=status,
        sort=sort,
        limit=limit,
        min_confidence=config.lenses.min_confidence,
    )
    table = Table("id", "slug", "articles", "outlets", "regions", "status", "last article")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["slug"],
            str(r["n_articles"]),
            str(r["n_sources"]),
            ", ".join(r["regions"]),
            r["status"],
            f"{r['last_article_at']:%Y-%m-%d %H:%M}" if r["last_article_at"] else "",
        )
    console.print(table)


def _story_id(engine, story: str) -> int:  # noqa: ANN001
    from store.queries import get_story, get_story_by_slug

    row = get_story(engine, int(story)) if story.isdigit() else get_story_by_slug(engine, story)
    if row is None:
        err.print(f"no story {escape(repr(story))} (give an id or a slug; see `storyloom stories`)")
        raise typer.Exit(1)
    return row["id"]


@app.command()
def draft(
    ctx: typer.Context,
    story: Annotated[str, typer.Argument(help="Story id or slug.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
) -> None:
    """Print a story's draft, with the editor's edits."""
    from drafts.stage import current_draft, render_json, render_markdown

    config = ctx.obj.config()
    engine = get_engine(config)
    d = current_draft(engine, config, _story_id(engine, story))
    if d is None:
        err.print("this story has no draft yet (it needs more sources, or run `storyloom process`)")
        raise typer.Exit(1)
    sys.stdout.write(render_json(d) if fmt == "json" else render_markdown(d))
    sys.stdout.write("\n")


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
    status: Annotated[str, typer.Option(help="Story status to export.")] = "approved",
    since: Annotated[
        datetime | None, typer.Option(help="Only stories updated since (YYYY-MM-DD).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
) -> None:
    """Write stories (approved by default) one file each."""
    from drafts.stage import export_stories

    config = ctx.obj.config()
    paths = export_stories(
        get_engine(config), config, status=status, since=since, fmt=fmt, out_dir=out, progress=True
    )
    console.print(f"wrote {len(paths)} files to {out}")


@app.command()
def analyse(
    ctx: typer.Context,
    article_id: Annotated[int, typer.Argument(help="Article id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored JSON.")] = False,
) -> None:
    """Analyse one article (if needed) and print its entities, facts and quotes."""
    from nlp.report import format_analysis
    from nlp.stage import analyse_article

    config = ctx.obj.config()
    try:
        row = analyse_article(get_engine(config), config, article_id)
    except LookupError as e:
        err.print(f"[bold red]{e}[/]")
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(json.dumps(row, default=str))
    else:
        print(format_analysis(row))


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="JSON Lines: url, text, [title, published, source, region, lang]."),
    ],
) -> None:
    """Load archived articles without fetching; bad lines are reported and skipped."""
    from ingest.importer import import_jsonl

    config = ctx.obj.config()
    report = import_jsonl(get_engine(config), file, config.crawler)
    for line_no, why in report.errors:
        err.print(escape(f"{file}:{line_no}: {why}"))
    for line_no, note in report.warnings:
        err.print(escape(f"{file}:{line_no}: {note}"))
    console.print(
        f"imported {report.created} new, {report.known} already known, "
        f"{len(report.errors)} bad lines"
    )


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address (default from [review]).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from [review]).")] = None,
) -> None:
    """Serve the editor UI and the HTTP API."""
    import uvicorn

    from review.app import create_app

    config = ctx.obj.config()
    engine = get_engine(config)
    uvicorn.run(
        create_app(config, engine),
        host=host or config.review.host,
        port=port or config.review.port,
        log_level="info",
        log_config=None,  # uvicorn's lines go through our handler: JSON when configured
        proxy_headers=False,  # [review] trusted_proxies decides whom to believe, not uvicorn
    )


@app.command()
def demo(
    ctx: typer.Context,
    serve_ui: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the UI after.")
    ] = True,
) -> None:
    """The main job offline: serve the bundled sample feeds, crawl, draft, then serve the UI."""
    from ingest.sample_server import SampleServer
    from storyloom.demo import DEMO_USER, ensure_demo_user, sample_port
    from storyloom.runner import run_once

    config = ctx.obj.config()
    engine = get_engine(config, migrate=True)  # the one-command main job sets its store up
    port = sample_port(config)
    if port is None:
        err.print("config.toml has no sources on one 127.0.0.1 port; `storyloom crawl` instead")
        raise typer.Exit(2)
    with SampleServer(port=port) as server:
        console.print(f"sample feeds served at {server.base_url}")
        out = run_once(engine, config, progress=True)
    console.print_json(json.dumps(out, default=str))
    password = ensure_demo_user(engine)
    if password:
        console.print(f"[bold]log in as {DEMO_USER!r} with password {password!r}[/] (admin)")
    stories(ctx, status=None, sort="sources", limit=20)
    if serve_ui:
        serve(ctx, host=None, port=None)


@eval_app.command("extraction")
def eval_extraction(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Benchmark folder with html/ and ground-truth.json.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Token precision/recall/F1 of article extraction, pages fetched through the real fetcher."""
    from ingest.eval_cli import run_extraction_eval

    config = ctx.obj.config()
    if not (directory / "ground-truth.json").is_file():
        err.print(f"{escape(str(directory))}: no ground-truth.json here (need html/ and it)")
        raise typer.Exit(2)
    res = run_extraction_eval(directory, config, progress=not as_json)
    _print_eval(res, as_json)


@eval_app.command("clustering")
def eval_clustering(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="UCI-style CSV or JSONL (id,title,text,published,source,cluster)."),
    ],
    folds: Annotated[
        int,
        typer.Option(
            "--folds",
            help="K-fold cross-validation by story: fit on K-1 folds, score the held-out "
            "one; 0 streams the whole file through the daemon's stages instead.",
        ),
    ] = 5,
    fit: Annotated[
        bool,
        typer.Option(
            "--fit/--no-fit", help="Fit weights and thresholds per fold, or score the configured."
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Pairwise/BCubed P/R/F1 of story clustering: every held-out fold and the worst."""
    if not file.is_file():
        err.print(f"{escape(str(file))}: no such file")
        raise typer.Exit(2)
    if folds == 1 or folds < 0:
        err.print("--folds must be 0 (whole file) or at least 2")
        raise typer.Exit(2)
    from clustering.evaluate import LabelledFileError
    from storyloom.runner import run_stages

    config = ctx.obj.config()
    try:
        if folds == 0:
            from clustering.eval_store import run_clustering_eval

            res0 = run_clustering_eval(file, config, run_stages=run_stages, progress=not as_json)
            _print_eval(res0, as_json)
            return
        from clustering.crossval import run_crossval
        from clustering.crossval_report import fold_line, print_crossval

        res = run_crossval(
            file,
            config.clustering,
            folds=folds,
            fit=fit,
            on_fold=None if as_json else lambda f: err.print(fold_line(f)),
        )
    except (LabelledFileError, ValueError) as e:
        err.print(f"[bold red]Cannot evaluate[/]: {e}")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(res) + "\n")
    else:
        print_crossval(res, console)


@eval_app.command("pairs")
def eval_pairs(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="JSONL of scored article pairs (SemEval-2022 Task 8 form)."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The product's same-story score and join decision on human-scored article pairs:
    Pearson with the gold and P/R/F1 of "same story", real and machine-translated apart."""
    if not file.is_file():
        err.print(f"{escape(str(file))}: no such file")
        raise typer.Exit(2)
    from clustering.eval_pairs import format_report, run_pairs_eval
    from clustering.evaluate import LabelledFileError

    config = ctx.obj.config()
    try:
        res = run_pairs_eval(file, config)
    except LabelledFileError as e:
        err.print(f"[bold red]Cannot evaluate[/]: {e}")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(res) + "\n")
        return
    table = Table("pairs", "n", "pearson", "precision", "recall", "f1")
    for row in format_report(res):
        table.add_row(*row)
    console.print(table)


def _print_eval(res: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(res) + "\n")
        return
    table = Table("metric", "value")
    for k, v in res.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                table.add_row(f"{k}.{kk}", f"{vv:.4f}" if isinstance(vv, float) else str(vv))
        else:
            table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    console.print(table)


def _register_stage_commands() -> None:
    """Stages own their commands (sources, retrain, user, …); each module adds its own.

    Their commands get config and store from `ctx.obj` (a CommandContext set in `main`),
    so no stage imports this module back.
    """
    from clustering.cli import register as register_clustering
    from ingest.cli import register as register_ingest
    from models.cli import register as register_models
    from review.cli import register as register_review
    from storyloom.ops_cli import register as register_ops
    from storyloom.workers_cli import register as register_workers

    register_ingest(app)
    register_models(app)
    register_review(app)
    register_clustering(app)
    register_ops(app)
    register_workers(app)


_register_stage_commands()


def run() -> None:  # pragma: no cover - console script shim
    logging.captureWarnings(True)
    app()
