"""Editor edits laid over a generated draft, and what is new since a user's last look.

An editor's field is kept exactly as they left it: redrafts write new draft_versions rows but
never touch draft_edits, and the overlay always wins.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import InvalidInput
from drafts.model import EDITABLE_FIELDS, LIST_FIELDS
from drafts.render import CONFLICT, SUGGESTION, _parse_traced


class EditError(InvalidInput):
    """An edit the draft cannot take (unknown field, wrong kind of value)."""


def normalise_value(field: str, value: Any) -> str:
    """The stored form of an edit: text for headline/dek, Markdown lines for list fields."""
    if field not in EDITABLE_FIELDS:
        raise EditError(f"field {field!r} is not editable; editable: {', '.join(EDITABLE_FIELDS)}")
    if field in LIST_FIELDS and isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):
            raise EditError(f"{field}: a list edit must hold strings, one item each")
        value = "\n".join(f"- {v.strip().removeprefix('- ')}" for v in value if v.strip())
    if not isinstance(value, str):
        raise EditError(f"{field}: expected text, got {type(value).__name__}")
    if field in ("headline", "dek"):
        value = re.sub(r"\s+", " ", value).strip()
        if field == "headline" and not value:
            raise EditError("headline: an empty headline cannot be saved")
    return value


def _lines(value: str) -> list[str]:
    out = []
    for line in value.splitlines():
        line = line.strip()
        if line.startswith(("- ", "* ")):
            line = line[2:].strip()
        if line:
            out.append(line)
    return out


def _list_items(field: str, value: str, generated: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Markdown lines back into items; a line equal to a generated item keeps its trace."""
    items: list[dict[str, Any]] = []
    if field == "numbers":
        by_display = {x["display"]: x for x in generated}
        for line in _lines(value):
            conflict = line.endswith(CONFLICT)
            display = line.removesuffix(CONFLICT)
            known = by_display.get(display)
            items.append(
                {**known, "conflict": conflict}
                if known
                else {
                    "display": display,
                    "value": None,
                    "unit": None,
                    "what": None,
                    "about": None,
                    "text": None,
                    "sources": [],
                    "article_ids": [],
                    "conflict": conflict,
                    "evidence": [],
                }
            )
        return items
    by_text = {x["text"]: x for x in generated}
    for line in _lines(value):
        parsed = _parse_traced(line.removeprefix(SUGGESTION))
        known = by_text.get(parsed["text"])
        item = {
            "text": parsed["text"],
            "article_id": known["article_id"] if known else None,
            "source": parsed["source"] or (known["source"] if known else None),
            "url": parsed["url"] or (known["url"] if known else None),
        }
        if field != "summary":
            item["suggestion"] = False  # an editor wrote or kept it: no longer a suggestion
        items.append(item)
    return items


def overlay(draft: dict[str, Any], edits: list[dict[str, Any]]) -> dict[str, Any]:
    """The draft with each edited/approved field replaced by the editor's value."""
    out = dict(draft)
    edited: dict[str, Any] = {}
    for e in edits:
        field, value = e["field"], e["value"]
        if field not in EDITABLE_FIELDS or not isinstance(value, str):
            continue
        out[field] = (
            value
            if field in ("headline", "dek")
            else _list_items(field, value, draft.get(field) or [])
        )
        stamp = e.get("updated_at")
        edited[field] = {
            "state": e["state"],
            "user": e.get("user_id"),
            "updated_at": stamp.isoformat() if hasattr(stamp, "isoformat") else stamp,
        }
    out["edited"] = edited
    return out
