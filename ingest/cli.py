"""Commands of the ingest stage, registered on the `storyloom` app by storyloom/cli.py.

They get config and store from `ctx.obj` (core.context.CommandContext), never by importing
the entry point back.

Kept beside the stage so its owner can add commands without touching the shared entry point.
Only typer and rich at import time: `storyloom --help` must stay instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from core.aio import run_sync

console = Console()
err = Console(stderr=True)

source_app = typer.Typer(help="Add, pause and resume sources.", no_args_is_help=True)


def _ago(when: datetime | None, now: datetime) -> str:
    """'2026-11-23 10:28 (3m ago)' or '(in 5m)': absolute for the record, relative to read."""
    if when is None:
        return ""
    from store.db import aware

    when = aware(when)
    secs = (when - now).total_seconds()
    n = abs(secs)
    span = (
        f"{n:.0f}s"
        if n < 90
        else f"{n / 60:.0f}m"
        if n < 5400
        else f"{n / 3600:.0f}h"
        if n < 172_800
        else f"{n / 86_400:.0f}d"
    )
    rel = f"in {span}" if secs > 0 else f"{span} ago"
    return f"{when:%Y-%m-%d %H:%M} ({rel})"


def _state(row: dict[str, Any]) -> str:
    if row["disabled"]:
        return f"[red]disabled[/]: {row['paused_reason'] or ''}"
    if row["paused"]:
        return f"[yellow]paused[/]: {row['paused_reason'] or ''}"
    return "[green]active[/]"


def sources_table(rows: list[dict[str, Any]], now: datetime) -> Table:
    table = Table(
        "name",
        "kind",
        "last fetch (UTC)",
        "HTTP",
        "errors",
        "next poll (UTC)",
        "articles",
        "state / why",
        "last error",
        title="sources",
    )
    for r in rows:
        problem = r["last_error"] or (f"ill-formed feed: {r['bozo']}" if r["bozo"] else "")
        table.add_row(
            r["name"],
            r["kind"],
            _ago(r["last_fetch_at"], now),
            str(r["last_status"] or ""),
            str(r["error_count"] or 0),
            "" if r["paused"] or r["disabled"] else (_ago(r["next_poll_at"], now) or "now"),
            str(r["n_articles"]),
            _state(r),
            problem[:120],
        )
    return table


def _engine(ctx: typer.Context):  # noqa: ANN202 - (Config, Engine), both imported lazily
    """The config and store the top (storyloom/cli.py) put on this invocation's context."""
    return ctx.obj.store()


def _source_id(engine, name: str) -> int:  # noqa: ANN001
    from store.queries import get_source_by_name

    row = get_source_by_name(engine, name)
    if row is None:
        err.print(f"no source named {name!r} (see `storyloom sources`)")
        raise typer.Exit(1)
    return row["id"]


def sources(ctx: typer.Context) -> None:
    """Feed health: last fetch, HTTP status, errors, next poll, articles, paused and why."""
    from store.db import utcnow
    from store.queries import list_sources

    _, engine = _engine(ctx)
    rows = list_sources(engine)
    if not rows:
        console.print("no sources yet: add [[sources]] to config.toml or `storyloom source add`")
        return
    console.print(sources_table(rows, utcnow()))


@source_app.command("add")
def source_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Outlet name shown to editors (unique).")],
    url: Annotated[str, typer.Argument(help="Feed URL, or a page URL with --kind url.")],
    kind: Annotated[str, typer.Option(help="feed (polled) or url (one page).")] = "feed",
    country: Annotated[str | None, typer.Option(help="ISO country code (region).")] = None,
    language: Annotated[str | None, typer.Option(help="Declared language (tie-breaker).")] = None,
    lens: Annotated[str | None, typer.Option(help="Default lens from [lenses] taxonomy.")] = None,
) -> None:
    """Register a source; the daemon polls it on its next tick."""
    from pydantic import ValidationError

    from core.config import SourceSettings
    from store.queries import add_source

    config, engine = _engine(ctx)
    try:
        s = SourceSettings(
            name=name, url=url, kind=kind, country=country, language=language, default_lens=lens
        )
    except ValidationError as e:
        for problem in e.errors():
            where = ".".join(str(x) for x in problem["loc"]) or "url"
            err.print(f"{where}: {problem['msg'].removeprefix('Value error, ')}")
        raise typer.Exit(2) from None
    if lens and lens not in config.lenses.taxonomy:
        err.print(f"lens {lens!r} is not in the taxonomy: {', '.join(config.lenses.taxonomy)}")
        raise typer.Exit(2)
    sid = add_source(  # a taken name is a Conflict, reported by the top (storyloom/cli.py)
        engine,
        name=s.name,
        url=s.url,
        kind=s.kind,
        country=s.country,
        language=s.language,
        default_lens=s.default_lens,
    )
    console.print(f"added source {s.name!r} (id {sid}, {s.kind}) {s.url}")


@source_app.command("pause")
def source_pause(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Source name.")],
    why: Annotated[str, typer.Option(help="Reason shown in `storyloom sources`.")] = (
        "paused by an operator"
    ),
) -> None:
    """Stop polling a source until it is resumed."""
    from store.queries import set_source_paused

    _, engine = _engine(ctx)
    set_source_paused(engine, _source_id(engine, name), True, why, None)
    console.print(f"paused {name!r}: {why}")


@source_app.command("resume")
def source_resume(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Source name.")]
) -> None:
    """Poll a paused (or disabled) source again from the next tick, its error count reset."""
    from store.queries import set_source_paused

    _, engine = _engine(ctx)
    set_source_paused(engine, _source_id(engine, name), False, None, None)
    console.print(f"resumed {name!r}")


def add_url(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Article page URLs (http or https).")],
    now: Annotated[
        bool, typer.Option("--now", help="Fetch pending pages now instead of at the next pass.")
    ] = False,
) -> None:
    """Queue single articles; the crawler fetches and extracts them like feed entries."""
    from ingest.pages import queue_urls

    config, engine = _engine(ctx)
    report = queue_urls(engine, urls)
    for url, why in report["refused"]:
        err.print(f"{url}: {why}")
    console.print(
        f"queued {report['new']} new, {report['known']} already known, "
        f"{len(report['refused'])} refused"
    )
    if now and report["new"]:
        from ingest.pages import fetch_pending

        counts = run_sync(fetch_pending(engine, config))
        console.print(f"fetched: {counts['done']} done, {counts['error']} failed")
    if report["refused"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to `app`."""
    app.command("sources")(sources)
    app.add_typer(source_app, name="source")
    app.command("add-url")(add_url)
