"""`storyloom eval lens FILE [--test FILE2]`: the lens classifier judged on unseen stories.

FILE's labelled takes go into a fresh temporary SQLite store as the pipeline would have left
them (outlet, story, clustering vector) with one editor label each, and the real `retrain`
runs on them: its story-grouped folds are the evaluation (every fold and the worst are
reported), and its final model, trained on all of FILE, scores FILE2's takes. Lenses of fewer
than `min_stories_judged` stories in a file are reported apart, outside the macro-F1.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert

from clustering.embed import get_embedder
from core.config import Config
from models.embcache import cached_embeddings
from models.evaluate import score
from models.labelstore import T0, embedding_inputs, store_labelled_takes
from models.lensfile import UCI_LENSES, LabelledTake, LensFileError, load_lens_file
from models.lensfile import stories_per_lens as count_stories
from models.registry import load_version
from models.retrain import retrain
from models.takes import load_takes
from store.db import open_store
from store.schema import labels
from store.takes import active_model

logger = logging.getLogger(__name__)


def eval_taxonomy(config: Config, items: Sequence[LabelledTake]) -> list[str]:
    """The configured taxonomy when it has every lens of the file; the UCI stand-in lenses
    for a UCI file; otherwise LensFileError naming the lenses the taxonomy lacks."""
    have = {it.lens for it in items}
    taxonomy = list(config.lenses.taxonomy)
    if have <= set(taxonomy):
        return taxonomy
    if have <= set(UCI_LENSES.values()):
        return list(UCI_LENSES.values())
    missing = sorted(have - set(taxonomy))
    raise LensFileError(
        f"lenses {missing} are not in the taxonomy {taxonomy}; add them to [lenses].taxonomy"
    )


def _embed(items: Sequence[LabelledTake], config: Config) -> np.ndarray:
    cfg = config.clustering
    return cached_embeddings(
        embedding_inputs(items, cfg),
        lambda texts: get_embedder(cfg).encode(texts),
        model=cfg.model,
        cache_dir=config.lenses.eval_cache_dir,
    )


def _label_all(engine: Engine, ids: Sequence[int], items: Sequence[LabelledTake]) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(labels),
            [
                {"kind": "lens", "article_id": a, "value": it.lens, "created_at": T0}
                for a, it in zip(ids, items, strict=True)
            ],
        )


def score_file(
    engine: Engine, config: Config, items: Sequence[LabelledTake], min_stories: int
) -> dict[str, Any]:
    """The active model's macro-F1 on `items` (stored unlabelled), lenses of few stories apart."""
    ids = store_labelled_takes(engine, items, _embed(items, config), config.clustering)
    model = load_version(active_model(engine) or {}, config.lenses.taxonomy)
    takes = load_takes(engine, config, ids)
    preds = model.predict(
        takes.texts, embeddings=takes.embeddings, outlets=takes.outlets, contexts=takes.contexts
    )
    truth = {a: it.lens for a, it in zip(ids, items, strict=True)}
    per_story = count_stories(items)
    scored = [lens for lens, n in per_story.items() if n >= min_stories]
    m = score(truth, {a: lens for a, (lens, _) in zip(takes.ids, preds, strict=True)}, scored)
    return {
        "macro_f1": m["macro_f1"],
        "accuracy": m["accuracy"],
        "per_label": m["per_lens"],
        "labels_scored": m["lenses_averaged"],
        "labels_apart": {lens: n for lens, n in per_story.items() if lens not in scored},
        "n": len(items),
    }


def json_view(res: dict[str, Any]) -> dict[str, Any]:
    """The `--json` shape, exactly: folds, worst and (with a test file) test."""
    out: dict[str, Any] = {
        "folds": [{"macro_f1": f["macro_f1"]} for f in res["folds"]],
        "worst": {"macro_f1": res["worst"]["macro_f1"]},
    }
    if "test" in res:
        t = res["test"]
        out["test"] = {
            "macro_f1": t["macro_f1"],
            "per_label": t["per_label"],
            "labels_scored": t["labels_scored"],
        }
    return out


def run_lens_eval(
    file: Path,
    config: Config,
    *,
    test_file: Path | None = None,
    folds: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Story-grouped folds of a retrain on FILE (every fold, the worst) and, with
    `test_file`, the final model's scores on it."""
    items = load_lens_file(file)
    test_items = load_lens_file(test_file) if test_file else []
    taxonomy = eval_taxonomy(config, [*items, *test_items])
    lens_update: dict[str, Any] = {"taxonomy": taxonomy}
    if folds is not None:
        lens_update["cv_folds"] = folds
    with tempfile.TemporaryDirectory(prefix="storyloom-eval-lens-") as tmp:
        lens_update["artifacts_dir"] = str(Path(tmp) / "models")
        url = f"sqlite:///{tmp}/eval.db"
        cfg = config.model_copy(
            update={
                "storage": config.storage.model_copy(update={"url": url}),
                "lenses": config.lenses.model_copy(update=lens_update),
            }
        )
        engine = open_store(url)
        try:
            ids = store_labelled_takes(engine, items, _embed(items, cfg), cfg.clustering)
            _label_all(engine, ids, items)
            res = retrain(engine, cfg, progress=progress)
            worst = min(range(len(res["folds"])), key=lambda k: res["folds"][k]["macro_f1"])
            per_story = count_stories(items)
            out: dict[str, Any] = {
                "file": str(file),
                "n": len(items),
                "stories": len({it.story for it in items}),
                "folds": res["folds"],
                "worst": {**res["folds"][worst], "fold": worst},
                "mean_macro_f1": float(np.mean([f["macro_f1"] for f in res["folds"]])),
                "pooled_macro_f1": res["macro_f1"],
                "labels_averaged": res["lenses_averaged"],
                "labels_apart": {
                    lens: n for lens, n in per_story.items() if lens not in res["lenses_averaged"]
                },
                "per_label": res["per_lens"],
                "chosen": {k: v for k, v in res["chosen"].items() if k != "grid"},
                "seconds": res["seconds"],
            }
            if test_items:
                out["test"] = score_file(engine, cfg, test_items, cfg.lenses.min_stories_judged)
        finally:
            engine.dispose()
    return out
