"""Operator commands that read the store's state: `storyloom articles --failed`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()


def articles(
    ctx: typer.Context,
    failed: Annotated[
        bool, typer.Option("--failed", help="Articles a stage gave up on, with the reason.")
    ] = False,
    single: Annotated[
        bool, typer.Option("--single", help="Only URLs handed in with add-url.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List articles; `--failed` shows refused or failed ones (guard, robots, HTTP, no text)."""
    from store.failed import count_failed, failed_articles

    if not failed:
        console.print("only `storyloom articles --failed` exists so far; see `storyloom stories`")
        raise typer.Exit(2)
    _, engine = ctx.obj.store()
    rows = failed_articles(engine, limit=limit, single_only=single)
    if as_json:
        for r in rows:
            typer.echo(json.dumps(r, default=str))
        return
    table = Table("id", "url", "outlet", "stage", "reason", "tries", "when (UTC)")
    table.title = f"failed articles: {len(rows)} of {count_failed(engine)}"
    for r in rows:
        table.add_row(
            str(r["id"]),
            escape(r["url"]),
            escape(r["outlet"] or ("single URL" if r["single"] else "")),
            r["stage"] or "",
            escape(r["reason"] or ""),
            str(r["attempts"]),
            f"{r['updated_at']:%Y-%m-%d %H:%M}" if r["updated_at"] else "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("articles")(articles)
