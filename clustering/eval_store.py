"""`storyloom eval clustering FILE`: a labelled file through the daemon's own stages.

The file's articles go into a fresh temporary SQLite store and through exactly the
stages `storyloom process` runs (nlp.stage.run_nlp, clustering.stage.run_embed,
clustering.stage.run_cluster, in publication order), so the figures are those of the
product, not of a separate evaluation loop. The store is deleted afterwards.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, select

from clustering.evaluate import LabelledItem, load_labelled, score_labels
from core.config import Config
from core.progress import progress_bars
from store.articles import DONE, upsert_article
from store.db import open_store
from store.schema import story_members
from store.stage_progress import stage_progress

logger = logging.getLogger(__name__)


def insert_items(engine: Engine, items: Sequence[LabelledItem]) -> dict[int, str]:
    """Store each item as a fetched article (fetch done, later stages pending); returns
    article id -> gold cluster. Headline-only items get no text, as a title-only feed entry."""
    gold: dict[int, str] = {}
    with engine.begin() as conn:
        for n, it in enumerate(items):
            aid, created = upsert_article(
                conn,
                url=f"https://eval.invalid/{n}",
                canonical=f"https://eval.invalid/{n}",
                source_name=it.source or None,
                title=it.title,
                text=it.text or None,
                published_at=it.published,
                extraction="import" if it.text else "title_only",
                fetch_status=DONE,
            )
            if aid is None or not created:
                raise RuntimeError(f"item {it.id!r} could not be stored as a new article")
            gold[aid] = it.cluster
    return gold


def predicted_stories(engine: Engine, ids: Sequence[int]) -> dict[int, int]:
    """Article id -> story id, as the stages left them."""
    with engine.connect() as conn:
        rows = conn.execute(select(story_members.c.article_id, story_members.c.story_id))
        got = {aid: sid for aid, sid in rows}
    return {aid: got[aid] for aid in ids if aid in got}


@contextmanager
def _step(
    console: Console | None, label: str, seconds: dict[str, float], engine: Engine
) -> Iterator[None]:
    """Time one step; with a console, the shared progress bar counts its rows down."""
    started = time.perf_counter()
    with progress_bars(console is not None) as bars, stage_progress(bars, engine, label):
        yield
    if console is not None:
        console.log(f"{label}: {time.perf_counter() - started:.1f} s")
    seconds[label] = round(time.perf_counter() - started, 2)


# The stage runner (storyloom/runner.py run_stages), handed down by the top: the evaluation
# runs the daemon's own loop over the stages, not a copy of it.
StageRunner = Callable[[Engine, Config, Sequence[str], Callable[[str, Any, float], None]], Any]
EVAL_STAGES = ("nlp", "embed", "cluster")


def evaluate_items(
    items: Sequence[LabelledItem],
    config: Config,
    *,
    run_stages: StageRunner,
    console: Console | None = None,
) -> dict[str, Any]:
    """Stream `items` through a fresh temporary store; scores and speed as a dict."""
    seconds: dict[str, float] = {}

    def on_result(name: str, _result: Any, s: float) -> None:
        seconds[name] = round(seconds.get(name, 0.0) + s, 2)
        if console is not None:
            console.log(f"{name}: {s:.1f} s")

    with tempfile.TemporaryDirectory(prefix="storyloom-eval-") as tmp:
        engine = open_store(f"sqlite:///{Path(tmp) / 'eval.db'}")
        try:
            with _step(console, "store", seconds, engine):
                gold = insert_items(engine, items)
            run_stages(engine, config, EVAL_STAGES, on_result)
            pred = predicted_stories(engine, list(gold))
        finally:
            engine.dispose()
    missing = len(gold) - len(pred)
    if missing:  # an article the stages could not place is its own story: counted, not hidden
        logger.warning("articles left unclustered", extra={"count": missing})
    ids = list(gold)
    labels = [pred.get(aid, f"unplaced-{aid}") for aid in ids]
    res = score_labels(labels, [gold[aid] for aid in ids])
    work = sum(v for k, v in seconds.items() if k != "store")
    res["articles"] = len(ids)
    res["unplaced"] = missing
    res["articles_per_s"] = round(len(ids) / work, 2) if work > 0 else None
    res["seconds"] = seconds
    return res


def run_clustering_eval(
    file: Path, config: Config, *, run_stages: StageRunner, progress: bool = True
) -> dict[str, Any]:
    """Pairwise and BCubed P/R/F1, stories found vs gold and articles/s for a labelled file
    (UCI CSV: TITLE, PUBLISHER, HOSTNAME, TIMESTAMP, STORY; or JSONL: id, title, text,
    published, source, cluster)."""
    items = load_labelled(Path(file))
    if not items:
        raise ValueError(f"{file}: no labelled items")
    console = Console(stderr=True) if progress else None
    if console is not None:
        console.log(f"{len(items)} labelled articles from {file}")
    return evaluate_items(items, config, run_stages=run_stages, console=console)
