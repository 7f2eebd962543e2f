"""Story-grouped cross-validation of lens recipes on shared folds, and its metrics.

Every take of a story is on the same side of a fold: titles of one story are near-copies that
share their lens, so a random split would score the model on stories it has already seen,
while it is used on tomorrow's. A recipe is "these training labels with these settings". The
candidate (all current labels, current settings) and the active model (its own label
snapshot, its own settings) are refit on the same folds with each fold's held-out takes removed
from their training labels, and both are scored against the editors' current labels on those
held-out takes. So the comparison is fair (same test items, nothing seen in training) even when
the active model was trained on labels that the candidate now evaluates on.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from core.settings.lenses import UNLABELLED, LensSettings
from models.classifier import train
from models.errors import LensError
from models.select import judged
from models.takes import Takes


@dataclass(frozen=True)
class Recipe:
    """What a model is made of: the labels it learns from and its classifier settings."""

    name: str
    labels: dict[int, str]
    settings: LensSettings


def make_folds(
    truth: dict[int, str], groups: dict[int, str], n_folds: int, seed: int
) -> list[list[int]]:
    """Held-out article ids per fold, whole stories per fold (`groups`: id -> story), as
    balanced in lenses as the stories allow, fixed by `seed`.

    Fewer folds than asked when there are fewer stories; LensError with fewer than two.
    """
    ids = sorted(truth)
    y = [truth[a] for a in ids]
    g = [groups.get(a, f"article:{a}") for a in ids]
    n = min(n_folds, len(set(g)))
    if n < 2:
        raise LensError(
            f"the {len(ids)} labelled takes belong to {len(set(g))} story; evaluating on "
            "stories the model has not seen needs labels in at least two"
        )
    sgkf = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has only 1 member"
        return [[ids[i] for i in test] for _, test in sgkf.split(np.zeros(len(ids)), y, g)]


def judged_lenses(truth: dict[int, str], groups: dict[int, str], min_stories: int) -> list[str]:
    """Lenses labelled in at least `min_stories` stories: the ones a macro-F1 on unseen
    stories can judge (all lenses when none is)."""
    ids = sorted(truth)
    return judged(
        [truth[a] for a in ids], [groups.get(a, f"article:{a}") for a in ids], min_stories
    )


def fold_scores(
    truth: dict[int, str], preds: dict[int, str], folds: Sequence[Sequence[int]], lenses: list[str]
) -> list[dict]:
    """Macro-F1 (over `lenses`) and size of each fold: the spread the mean hides."""
    out = []
    for test in folds:
        part = {a: truth[a] for a in test if a in truth}
        if not part:
            continue
        out.append({"macro_f1": score(part, preds, lenses)["macro_f1"], "n": len(part)})
    return out


def out_of_fold(
    recipe: Recipe,
    folds: Sequence[Sequence[int]],
    takes: Takes,
    on_fold: Callable[[], None] | None = None,
) -> dict[int, str]:
    """Each held-out take's predicted lens from the recipe refit without that fold.

    A fold whose remaining labels cover fewer than two lenses predicts "unlabelled".
    """
    have = set(takes.ids)
    preds: dict[int, str] = {}
    for test in folds:
        held = set(test)
        train_ids = [a for a in recipe.labels if a not in held and a in have]
        y = [recipe.labels[a] for a in train_ids]
        test_ids = [a for a in test if a in have]
        if len(set(y)) < 2:
            preds.update(dict.fromkeys(test_ids, UNLABELLED))
        else:
            model = fit_takes(takes, train_ids, y, recipe.settings)
            trows = takes.rows(test_ids)
            got = model.predict(
                [takes.texts[i] for i in trows],
                embeddings=takes.embeddings[trows],
                outlets=[takes.outlets[i] for i in trows],
                contexts=None if takes.contexts is None else takes.contexts[trows],
            )
            preds.update({a: lens for a, (lens, _) in zip(test_ids, got, strict=True)})
        if on_fold:
            on_fold()
    return preds


def fit_takes(takes: Takes, ids: Sequence[int], y: Sequence[str], settings: LensSettings):  # noqa: ANN201
    """`train` on stored takes: their texts, vectors, outlets and stories."""
    rows = takes.rows(ids)
    return train(
        [takes.texts[i] for i in rows],
        list(y),
        None,
        settings=settings,
        embeddings=takes.embeddings[rows],
        outlets=[takes.outlets[i] for i in rows],
        groups=[takes.stories[i] for i in rows],
        contexts=None if takes.contexts is None else takes.contexts[rows],
    )


def score(
    truth: dict[int, str], preds: dict[int, str], judged: Sequence[str] | None = None
) -> dict:
    """Macro-F1 (over `judged` lenses, default all), accuracy, per-lens precision/recall/F1
    and the confusion matrix.

    The confusion matrix has true lenses as rows and predicted lenses as columns, with an
    "unlabelled" column only when some fold could not predict. Lenses outside `judged` still
    get their per-lens figures (reported apart), but not a share of the macro-F1.
    """
    ids = sorted(truth)
    if not ids:
        raise LensError("no labelled takes to evaluate on")
    y = [truth[a] for a in ids]
    p = [preds.get(a, UNLABELLED) for a in ids]
    lenses = sorted(set(y))
    averaged = [x for x in (judged if judged is not None else lenses) if x in set(y)] or lenses
    cols = lenses + ([UNLABELLED] if UNLABELLED in p else [])
    prec, rec, f1, sup = precision_recall_fscore_support(y, p, labels=lenses, zero_division=0)
    return {
        "macro_f1": float(f1_score(y, p, labels=averaged, average="macro", zero_division=0)),
        "lenses_averaged": averaged,
        "accuracy": float(np.mean([a == b for a, b in zip(y, p, strict=True)])),
        "per_lens": {
            lens: {
                "precision": float(prec[i]),
                "recall": float(rec[i]),
                "f1": float(f1[i]),
                "support": int(sup[i]),
            }
            for i, lens in enumerate(lenses)
        },
        "confusion": {
            "rows": lenses,
            "cols": cols,
            "matrix": confusion_matrix(y, p, labels=cols)[: len(lenses)].tolist(),
        },
    }


def confusion_png(confusion: dict, title: str) -> bytes:
    """The confusion matrix as a PNG (Agg canvas, no pyplot: safe in a background thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    m = np.asarray(confusion["matrix"], dtype=float)
    rows, cols = confusion["rows"], confusion["cols"]
    size = 1.6 + 0.9 * max(len(rows), len(cols))
    fig = Figure(figsize=(size + 1.5, size), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    norm = m / np.where(m.sum(axis=1, keepdims=True) == 0, 1, m.sum(axis=1, keepdims=True))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(
                j,
                i,
                f"{int(m[i, j])}",
                ha="center",
                va="center",
                color="white" if norm[i, j] > 0.5 else "black",
                fontsize=9,
            )
    ax.set_xticks(range(len(cols)), cols, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlabel("predicted lens")
    ax.set_ylabel("editor's lens")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of row")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
