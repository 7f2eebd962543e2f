"""Small glue the HTML and JSON routes share: error mapping, story lookup, field text, retrain.

No business rules live here: every action is a call into store/, drafts/, clustering/ or
models/; this module only adapts their results and errors to HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException
from sqlalchemy import Engine

from core.errors import StoryloomError, http_status
from store.db import utcnow
from store.queries import (
    audit,
    count_stories,
    get_story,
    get_story_by_slug,
    list_stories,
    new_takes_counts,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")
LIST_FIELDS = ("summary", "numbers", "why", "watch")


def service(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service function; a StoryloomError becomes its HTTP status (core/errors.py:
    NotFound 404, InvalidInput 400, Conflict 409, ...). Any other exception is a bug: a 500
    with its traceback in the log, never a 400 that blames the editor."""
    try:
        return fn(*args, **kwargs)
    except StoryloomError as e:
        raise HTTPException(http_status(e), str(e)) from None


def story_or_404(engine: Engine, story_id: int) -> dict[str, Any]:
    story = get_story(engine, story_id)
    if story is None:
        raise HTTPException(404, f"no story with id {story_id}")
    return story


def resolve_story(engine: Engine, ref: str) -> dict[str, Any]:
    """A story from what an editor types: its id, its slug, or a [[slug]] link."""
    ref = ref.strip().strip("[]").strip()
    if not ref:
        raise HTTPException(400, "name a story by id or slug")
    story = get_story(engine, int(ref)) if ref.isdigit() else get_story_by_slug(engine, ref)
    if story is None:
        raise HTTPException(404, f"no story {ref!r}")
    return story


def queue_page(
    state: Any,
    filters: dict[str, Any],
    *,
    sort: str,
    user_id: int,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """(total, rows) of one queue page: shared parts from the cache, new takes per editor."""
    key = (tuple(sorted(filters.items())), sort, limit, offset)

    def compute() -> tuple[int, list[dict[str, Any]]]:
        conf = state.config.lenses.min_confidence
        rows = list_stories(
            state.engine, **filters, sort=sort, limit=limit, offset=offset, min_confidence=conf
        )
        return count_stories(state.engine, **filters, min_confidence=conf), rows

    total, rows = state.queue_cache.get(key, compute)
    counts = new_takes_counts(state.engine, user_id, [r["id"] for r in rows])
    for r in rows:
        r["new_takes"] = counts.get(r["id"], 0)
    return total, rows


def parse_day(value: str | None, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD filter value as the start (or end) of that day in UTC."""
    if not value:
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"date {value!r} must be YYYY-MM-DD") from None
    return datetime.combine(d, time.max if end else time.min, tzinfo=utcnow().tzinfo)


def item_text(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("text", "display", "sentence"):
            if isinstance(item.get(key), str):
                return item[key]
        return ""
    return "" if item is None else str(item)


def field_text(draft: dict[str, Any], field: str) -> str:
    """A draft field as the editor edits it: plain text, list fields one item per line."""
    value = draft.get(field)
    if isinstance(value, list):
        return "\n".join(t for t in (item_text(i) for i in value) if t)
    return item_text(value)


def field_items(draft: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """List fields as dicts for templates, whether generated (dicts) or edited (strings)."""
    value = draft.get(field) or []
    if isinstance(value, str):
        value = [line for line in value.splitlines() if line.strip()]
    return [v if isinstance(v, dict) else {"text": str(v)} for v in value]


def start_retrain(app: FastAPI, user_id: int) -> bool:
    """Start the app's background retrain (models/background.py, the daemon's mechanism
    too); False when one is already running."""
    if not app.state.retrainer.start(user_id=user_id):
        return False
    audit(app.state.engine, user_id, "model.retrain", "model", None, None)
    return True
