"""Console rendering of a cross-validation report: one row per fold, then the summary."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from clustering.crossval import METRICS


def fold_line(f: dict[str, Any]) -> str:
    """A progress line for one finished fold."""
    b, p = f["bcubed"], f["pairwise"]
    return (
        f"fold {f['fold']}: {f['articles']} articles, {f['stories']}/{f['gold_stories']} "
        f"stories, BCubed F1 {b['f1']:.4f}, pairwise P {p['precision']:.4f} "
        f"F1 {p['f1']:.4f} ({f['seconds']} s)"
    )


def print_crossval(res: dict[str, Any], console: Console) -> None:
    cols = [f"{v} {m[0].upper()}" for v in ("BCubed", "pair") for m in METRICS]
    table = Table("fold", "articles", "stories", *cols, title=_title(res))
    for f in res["folds"]:
        vals = [f[v][m] for v in ("bcubed", "pairwise") for m in METRICS]
        table.add_row(
            str(f["fold"]),
            str(f["articles"]),
            f"{f['stories']}/{f['gold_stories']}",
            *(f"{x:.4f}" for x in vals),
        )
    for row in ("worst", "mean", "mean_minus_sd"):
        vals = [res[v][row][m] for v in ("bcubed", "pairwise") for m in METRICS]
        table.add_row(row.replace("_", " "), "", "", *(f"{x:.4f}" for x in vals))
    console.print(table)


def _title(res: dict[str, Any]) -> str:
    how = "fitted on the other folds" if res["fit"] else "configured settings"
    return f"{res['k']}-fold cross-validation by story ({how}), held-out scores"
