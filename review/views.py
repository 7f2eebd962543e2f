"""Small glue the HTML and JSON routes share: error mapping, story lookup, field text, retrain.

No business rules live here: every action is a call into store/, drafts/, clustering/ or
models/; this module only adapts their results and errors to HTTP.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException
from sqlalchemy import Engine

from store.db import utcnow
from store.queries import (
    audit,
    count_stories,
    get_story,
    get_story_by_slug,
    list_stories,
    new_takes_counts,
)
from store.velocity import BreakingRule, velocity_at

logger = logging.getLogger(__name__)
T = TypeVar("T")
LIST_FIELDS = ("summary", "numbers", "why", "watch")


def service(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service function; its LookupError becomes 404 and ValueError 400."""
    try:
        return fn(*args, **kwargs)
    except LookupError as e:
        raise HTTPException(404, str(e) or "not found") from None
    except ValueError as e:
        raise HTTPException(400, str(e) or "bad request") from None


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
        r = state.config.review
        rule = BreakingRule(
            r.breaking_window_h, r.breaking_baseline_h, r.breaking_ratio, r.breaking_min_articles
        )
        with state.engine.connect() as conn:
            v = velocity_at(conn, rule, utcnow())
        rows = list_stories(
            state.engine, **filters, sort=sort, limit=limit, offset=offset, velocity=v
        )
        return count_stories(state.engine, **filters, velocity=v), rows

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


def _result_dict(result: Any) -> dict[str, Any] | None:
    if result is None or isinstance(result, dict):
        return result
    if hasattr(result, "_asdict"):
        return dict(result._asdict())
    if hasattr(result, "__dict__"):
        return {k: v for k, v in vars(result).items() if not k.startswith("_")}
    return {"result": str(result)}


def start_retrain(app: FastAPI, user_id: int) -> bool:
    """Run models.retrain.retrain in a background thread; False when one is already running."""
    from models.retrain import retrain  # heavy (scikit-learn): only when asked

    state = app.state.retrain
    with app.state.retrain_lock:
        if state["running"]:
            return False
        state.update(running=True, error=None, started_at=utcnow(), user_id=user_id)
    engine, config = app.state.engine, app.state.config
    audit(engine, user_id, "model.retrain", "model", None, None)

    def work() -> None:
        try:
            state["result"] = _result_dict(retrain(engine, config))
        except Exception as e:  # noqa: BLE001 - reported on the models page, not lost
            logger.exception("retrain failed")
            state["error"] = f"{type(e).__name__}: {e}"
        finally:
            state["running"] = False
            state["finished_at"] = utcnow()

    threading.Thread(target=work, name="retrain", daemon=True).start()
    return True
