"""Commands of the models stage, registered on the `storyloom` app by storyloom/cli.py.

Kept beside the stage so its owner can add commands without touching the shared entry point.
`storyloom retrain`, `storyloom models [activate VERSION]`, `storyloom label-queue`,
`storyloom eval lens FILE`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table


def _out(stderr: bool = False) -> Console:
    """A console made per command, so it sizes itself to the terminal it is run in."""
    return Console(stderr=stderr)


models_app = typer.Typer(
    help="Lens model versions with their metrics; `models activate VERSION` rolls back.",
    invoke_without_command=True,
)


def _store(ctx: typer.Context) -> tuple[Any, Any]:
    """(engine, config) from the context the top (storyloom/cli.py) put on this invocation."""
    config, engine = ctx.obj.store()
    return engine, config


def _f(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, int | float) else "—"


def retrain_cmd(
    ctx: typer.Context,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train the lens classifier on every editor label; promote it only if it beats the active one
    on the same cross-validation folds."""
    from models.errors import LensError
    from models.retrain import retrain

    engine, config = _store(ctx)
    console = _out()
    try:
        res = retrain(engine, config, progress=not quiet)
    except LensError as e:
        _out(stderr=True).print(f"[bold red]Cannot retrain[/]: {e}")
        raise typer.Exit(1) from None
    verdict = "[green]promoted[/]" if res["promoted"] else "[yellow]not promoted[/]"
    console.print(f"{res['version']}: {verdict} — {res['reason']}")
    table = Table("lens", "precision", "recall", "F1", "labels", title="Cross-validated, per lens")
    for lens, m in res["per_lens"].items():
        table.add_row(lens, _f(m["precision"]), _f(m["recall"]), _f(m["f1"]), str(m["support"]))
    console.print(table)
    console.print(
        f"macro-F1 {_f(res['macro_f1'])} on {res['n_labels']} labels, {res['cv_folds']} folds"
        + (
            f"; active {res['active_version']}: {_f(res['active_macro_f1'])}"
            if res["active_macro_f1"] is not None
            else ""
        )
        + f"; confusion matrix: {res['confusion_png']} ({res['seconds']:.1f}s)"
    )


@models_app.callback()
def models_cmd(ctx: typer.Context) -> None:
    """List lens model versions with their metrics (the active one marked)."""
    if ctx.invoked_subcommand is not None:
        return
    from models.predict import prediction_counts
    from models.stage import list_model_versions

    engine, _ = _store(ctx)
    console = _out()
    versions = list_model_versions(engine)
    if not versions:
        console.print("No lens model yet: label takes, then `storyloom retrain`.")
        return
    counts = prediction_counts(engine)
    table = Table("version", "active", "created", "labels", "macro-F1", "vs active", "predictions")
    for v in versions:
        m = v.get("metrics") or {}
        table.add_row(
            v["version"],
            "✔" if v["active"] else "",
            f"{v['created_at']:%Y-%m-%d %H:%M}",
            str(v["n_labels"]),
            _f(m.get("macro_f1")),
            _f(m.get("active_macro_f1")),
            str(counts.get(v["version"], 0)),
        )
    console.print(table)
    for v in versions:
        if v.get("note"):
            console.print(f"[bold]{v['version']}[/]: {v['note']}", highlight=False)


@models_app.command("activate")
def activate_cmd(
    ctx: typer.Context, version: Annotated[str, typer.Argument(help="A version from `models`.")]
) -> None:
    """Make VERSION the active lens model (rollback); its artifact must pass its hash check."""
    from models.errors import ArtifactError
    from models.registry import activate

    engine, config = _store(ctx)
    try:
        activate(engine, version, taxonomy=config.lenses.taxonomy)
    except (LookupError, ArtifactError) as e:
        _out(stderr=True).print(f"[bold red]Not activated[/]: {e}")
        raise typer.Exit(1) from None
    _out().print(f"{version} is now the active lens model; takes are re-predicted on the next pass")


def label_queue_cmd(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many takes.")] = 20,
) -> None:
    """The unlabelled takes the active lens model is least sure of, least sure first."""
    from models.stage import label_queue

    engine, config = _store(ctx)
    rows = label_queue(engine, config, limit=limit)
    console = _out()
    if not rows:
        console.print("Nothing to label.")
        return
    table = Table("article", "doubt", "guess", "sure", "outlet", "title")
    for r in rows:
        table.add_row(
            str(r["article_id"]),
            _f(r.get("uncertainty")),
            r.get("guess") or "",
            _f(r.get("confidence")),
            r.get("outlet") or "",
            (r.get("title") or r["sentence"])[:80],
        )
    console.print(table)


def eval_lens_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="UCI CSV (CATEGORY, STORY, PUBLISHER) or JSONL (text, lens, story)."),
    ],
    test: Annotated[
        Path | None,
        typer.Option("--test", help="Train on all of FILE, then score this file's takes."),
    ] = None,
    folds: Annotated[
        int | None, typer.Option("--folds", min=2, help="Story-grouped folds (default cv_folds).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Lens macro-F1 on stories the model has not seen: every story-grouped fold of a real
    retrain on FILE and the worst; with --test, the model trained on FILE scored on another."""
    from models.errors import LensError
    from models.eval_lens import json_view, run_lens_eval

    config = ctx.obj.config()
    try:
        res = run_lens_eval(file, config, test_file=test, folds=folds, progress=not as_json)
    except LensError as e:
        _out(stderr=True).print(f"[bold red]Cannot evaluate[/]: {e}")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(json_view(res)) + "\n")
        return
    console = _out()
    table = Table("fold", "macro-F1", "takes", title=f"{res['file']}: story-grouped folds")
    for k, f in enumerate(res["folds"]):
        table.add_row(str(k), _f(f["macro_f1"]), str(f["n"]))
    console.print(table)
    console.print(
        f"worst fold {res['worst']['fold']}: macro-F1 {_f(res['worst']['macro_f1'])}; "
        f"mean {_f(res['mean_macro_f1'])} over {', '.join(res['labels_averaged'])} "
        f"({res['n']} takes, {res['stories']} stories, {res['seconds']:.0f}s)"
    )
    if res["labels_apart"]:
        apart = ", ".join(f"{k} ({n} stories)" for k, n in res["labels_apart"].items())
        console.print(f"reported apart (too few stories to judge): {apart}")
    if "test" in res:
        t = res["test"]
        per = Table("lens", "precision", "recall", "F1", "takes", title=f"test: {test}")
        for lens, m in t["per_label"].items():
            per.add_row(lens, _f(m["precision"]), _f(m["recall"]), _f(m["f1"]), str(m["support"]))
        console.print(per)
        console.print(
            f"test macro-F1 {_f(t['macro_f1'])} over {', '.join(t['labels_scored'])}"
            + (f"; apart: {', '.join(t['labels_apart'])}" if t["labels_apart"] else "")
        )


def _eval_app(app: typer.Typer) -> typer.Typer:
    """The `eval` sub-app storyloom/cli.py made, so `eval lens` sits beside its siblings."""
    for group in app.registered_groups:
        if group.name == "eval" and group.typer_instance is not None:
            return group.typer_instance
    raise RuntimeError("storyloom's app has no `eval` group to add `eval lens` to")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to `app`."""
    app.command("retrain")(retrain_cmd)
    app.command("label-queue")(label_queue_cmd)
    app.add_typer(models_app, name="models")
    _eval_app(app).command("lens")(eval_lens_cmd)
