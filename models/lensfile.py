"""Files of lens-labelled takes for evaluation: the UCI News Aggregator CSV or our JSONL.

UCI CSV: TITLE is the take, CATEGORY its lens (codes mapped by `UCI_LENSES`, the stand-in
labels the tests and benchmarks use), STORY the story it belongs to, PUBLISHER its outlet.
JSONL, one object a line: `text` and `lens` and `story` required, `title` and `source`
(the outlet) optional.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.errors import LensError

# UCI CATEGORY codes as the lenses an editor would pick.
UCI_LENSES = {"b": "business", "t": "science / technology", "e": "entertainment", "m": "health"}
UCI_COLUMNS = ("TITLE", "CATEGORY", "STORY")


class LensFileError(LensError):
    """A labelled file that cannot be read as the UCI CSV or our lens JSONL."""


@dataclass(frozen=True)
class LabelledTake:
    """One labelled take: what the model reads, its lens, its story and its outlet."""

    id: str
    title: str
    text: str
    lens: str
    story: str
    source: str


def _from_csv(path: Path) -> list[LabelledTake]:
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in UCI_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LensFileError(f"{path}: CSV lacks column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            title = " ".join((row["TITLE"] or "").split())
            if not title:
                continue
            code = row["CATEGORY"]
            if code not in UCI_LENSES:
                raise LensFileError(
                    f"{path}:{line}: CATEGORY {code!r} is not one of {sorted(UCI_LENSES)}"
                )
            out.append(
                LabelledTake(
                    id=row.get("ID") or str(line),
                    title=title,
                    text="",
                    lens=UCI_LENSES[code],
                    story=row["STORY"],
                    source=row.get("PUBLISHER") or row.get("HOSTNAME") or "",
                )
            )
    return out


def _from_jsonl(path: Path) -> list[LabelledTake]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LensFileError(f"{path}:{n}: not JSON: {exc.msg}") from exc
            if not isinstance(obj, dict) or any(not obj.get(k) for k in ("text", "lens", "story")):
                raise LensFileError(f"{path}:{n}: needs non-empty 'text', 'lens' and 'story'")
            out.append(
                LabelledTake(
                    id=str(obj.get("id", n)),
                    title=str(obj.get("title") or ""),
                    text=str(obj["text"]),
                    lens=str(obj["lens"]),
                    story=str(obj["story"]),
                    source=str(obj.get("source") or ""),
                )
            )
    return out


def load_lens_file(path: Path) -> list[LabelledTake]:
    """Labelled takes of a .csv (UCI) or .jsonl file; LensFileError says what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise LensFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        items = _from_jsonl(path)
    elif suffix == ".csv":
        items = _from_csv(path)
    else:
        raise LensFileError(f"{path}: unknown format (expected .csv or .jsonl)")
    if not items:
        raise LensFileError(f"{path}: no labelled takes")
    return items


def stories_per_lens(items: Sequence[LabelledTake]) -> dict[str, int]:
    """How many distinct stories carry each lens: a lens of one or two stories cannot be
    judged on stories the model has not seen."""
    seen: dict[str, set[str]] = {}
    for it in items:
        seen.setdefault(it.lens, set()).add(it.story)
    return {lens: len(s) for lens, s in sorted(seen.items())}
