"""Commands of the clustering stage, registered on the `storyloom` app by storyloom/cli.py.

`storyloom retrain-clustering`: refit the join score from editor decisions, promote it only
when it scores better on held-out stories.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console


def retrain_clustering_cmd(
    ctx: typer.Context,
    folds: Annotated[
        int | None, typer.Option("--folds", help="Story folds (default [clustering] cv_folds).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Refit the clustering weights from editors' moves, splits and merges; promote the new
    weights only if they beat the active ones on the same held-out story folds."""
    from clustering.retrain import ClusteringRetrainError, retrain_clustering

    config, engine = ctx.obj.store()
    try:
        res = retrain_clustering(engine, config, folds)
    except ClusteringRetrainError as e:
        Console(stderr=True).print(f"[bold red]Cannot retrain clustering[/]: {e}")
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(res) + "\n")
        return
    verdict = "[green]promoted[/]" if res["promoted"] else "[yellow]not promoted[/]"
    Console().print(
        f"{res['version']}: {verdict} — {res['reason']} "
        f"({res['articles']} articles, {res['stories']} stories, {res['seconds']} s)"
    )


def register(app: typer.Typer) -> None:
    """Add this stage's commands to `app`."""
    app.command("retrain-clustering")(retrain_clustering_cmd)
