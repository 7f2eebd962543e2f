"""Labelled files and the pure evaluation path: stream items through the clusterer.

``run_stream`` makes exactly the calls the daemon's stage makes (expire, decide,
add_article/new_story), in publication order, so its scores are the product's scores.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from clustering.consolidate import Change, consolidate
from clustering.embed import Embedder, embed_input
from clustering.metrics import bcubed_prf, pairwise_prf
from clustering.streaming import ArticleFeatures, StreamingClusterer
from core.errors import InvalidInput
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

EntitiesFn = Callable[[Sequence[str]], list[frozenset[str]]]
CSV_COLUMNS = ("TITLE", "STORY", "TIMESTAMP")


class LabelledFileError(InvalidInput):
    """A labelled file that cannot be read as the UCI CSV or our JSONL."""


@dataclass
class LabelledItem:
    id: str
    title: str
    text: str
    published: datetime
    source: str
    cluster: str


def _from_csv(path: Path) -> list[LabelledItem]:
    items = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LabelledFileError(f"{path}: CSV lacks column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                ms = int(row["TIMESTAMP"])
            except (TypeError, ValueError) as exc:
                raise LabelledFileError(f"{path}:{line}: TIMESTAMP is not ms: {exc}") from exc
            items.append(
                LabelledItem(
                    id=row.get("ID") or str(line),
                    title=row["TITLE"] or "",
                    text="",
                    published=datetime.fromtimestamp(ms / 1000, tz=UTC),
                    source=row.get("HOSTNAME") or row.get("PUBLISHER") or "",
                    cluster=row["STORY"],
                )
            )
    return items


def _parse_time(value: object, where: str) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
    if isinstance(value, str):
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise LabelledFileError(f"{where}: bad 'published' {value!r}") from exc
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    raise LabelledFileError(f"{where}: 'published' missing or not a time")


def _from_jsonl(path: Path) -> list[LabelledItem]:
    items = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}:{line_no}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelledFileError(f"{where}: not JSON: {exc.msg}") from exc
            if not isinstance(obj, dict) or "cluster" not in obj or "title" not in obj:
                raise LabelledFileError(f"{where}: needs at least 'title' and 'cluster'")
            items.append(
                LabelledItem(
                    id=str(obj.get("id", line_no)),
                    title=str(obj.get("title") or ""),
                    text=str(obj.get("text") or ""),
                    published=_parse_time(obj.get("published"), where),
                    source=str(obj.get("source") or ""),
                    cluster=str(obj["cluster"]),
                )
            )
    return items


def load_labelled(path: Path) -> list[LabelledItem]:
    """The UCI News Aggregator CSV or JSONL (id, title, text, published, source, cluster)."""
    path = Path(path)
    if not path.is_file():
        raise LabelledFileError(f"{path}: no such file")
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return _from_jsonl(path)
    if path.suffix.lower() == ".csv":
        return _from_csv(path)
    raise LabelledFileError(f"{path}: unknown format (expected .csv or .jsonl)")


def featurize(
    items: Sequence[LabelledItem],
    settings: ClusteringSettings,
    embedder: Embedder,
    entities_fn: EntitiesFn | None,
) -> list[ArticleFeatures]:
    texts = [embed_input(it.title, it.text, settings.lead_chars) for it in items]
    vecs = embedder.encode(texts)
    ents = entities_fn([it.title for it in items]) if entities_fn else [frozenset()] * len(items)
    return [
        ArticleFeatures(it.id, vecs[i], it.title, ents[i], it.published, it.source)
        for i, it in enumerate(items)
    ]


def stream_features(
    arts: Sequence[ArticleFeatures], settings: ClusteringSettings
) -> tuple[list[int], dict]:
    """Assign already-featurized articles in publication order, consolidating every
    `consolidate_every` articles as the stage does; labels in input order."""
    clusterer = StreamingClusterer(settings)
    order = sorted(range(len(arts)), key=lambda i: arts[i].published)
    story_of: dict[int, int] = {}  # article index -> story id
    members: dict[int, list[int]] = {}  # story id -> article indexes
    touched: set[int] = set()
    changes = 0

    ids = itertools.count()

    def open_story(part: list[ArticleFeatures]) -> int:
        sid = next(ids)
        members[sid] = []
        return sid

    def record(ch: Change) -> None:
        if ch.kind == "merge":
            moved = members.pop(ch.other)
            members[ch.story].extend(moved)
        else:
            ids = set(ch.articles)
            moved = [i for i in members[ch.story] if arts[i].id in ids]
            members[ch.story] = [i for i in members[ch.story] if arts[i].id not in ids]
            members[ch.other].extend(moved)
        target = ch.story if ch.kind == "merge" else ch.other
        story_of.update(dict.fromkeys(moved, target))

    def consolidate_now() -> int:
        done = consolidate(
            clusterer,
            touched,
            apply=record,
            members=lambda sid: [arts[i] for i in members[sid]],
            new_story_id=open_story,
        )
        touched.clear()
        return len(done)

    started = time.perf_counter()
    for n, i in enumerate(order, start=1):
        art = arts[i]
        clusterer.expire(art.published)
        decision = clusterer.decide(art)
        if decision.story_id is None:
            sid = open_story([art])
            clusterer.new_story(sid, art)
        else:
            sid = int(decision.story_id)
            clusterer.add_article(sid, art)
        members[sid].append(i)
        story_of[i] = sid
        touched.add(sid)
        if settings.consolidate_every and n % settings.consolidate_every == 0:
            changes += consolidate_now()
    if settings.consolidate_every:
        changes += consolidate_now()
    elapsed = time.perf_counter() - started
    labels = [story_of[i] for i in range(len(arts))]
    return labels, {
        "stories": len(set(labels)),
        "consolidations": changes,
        "assign_seconds": elapsed,
    }


def run_stream(
    items: Sequence[LabelledItem],
    settings: ClusteringSettings,
    embedder: Embedder,
    entities_fn: EntitiesFn | None,
) -> tuple[list[int], dict]:
    """Embed, extract entities, stream; stats include end-to-end articles/s."""
    started = time.perf_counter()
    arts = featurize(items, settings, embedder, entities_fn)
    labels, stats = stream_features(arts, settings)
    total = time.perf_counter() - started
    stats["seconds"] = total
    stats["articles_per_s"] = len(items) / total if total > 0 else float("inf")
    return labels, stats


def score_labels(pred: Sequence, gold: Sequence) -> dict:
    """The `--json` report body: pairwise and BCubed P/R/F1, stories found vs gold."""
    pp, pr, pf = pairwise_prf(pred, gold)
    bp, br, bf = bcubed_prf(pred, gold)
    return {
        "pairwise": {"precision": pp, "recall": pr, "f1": pf},
        "bcubed": {"precision": bp, "recall": br, "f1": bf},
        "stories": len(set(pred)),
        "gold_stories": len(set(gold)),
    }


def vectors_of(arts: Sequence[ArticleFeatures]) -> np.ndarray:
    return np.stack([a.vector for a in arts]) if arts else np.zeros((0, 0), np.float32)
