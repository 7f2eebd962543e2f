"""What untrusted text may carry into the store: the rules for imports, feeds and pages alike.

PostgreSQL refuses NUL in text, and no database driver can encode a lone surrogate (a JSON
line may hold "\\ud800"; a broken feed may too), so one such character would abort a whole
line, feed or page. They are removed here, and every removal is said (returned as a note),
never done silently. Import lines are also type-checked field by field, so a dict where a
name belongs is a clear per-line error instead of a crash deep in the store.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

_SURROGATE = re.compile("[\ud800-\udfff]")
REQUIRED = ("url", "text")
# field -> the JSON types it may have (None = may be absent or null)
IMPORT_FIELDS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "text": (str,),
    "title": (str,),
    "published": (str, int, float),
    "source": (str,),
    "region": (str,),
    "lang": (str,),
    "id": (str, int),
    "cluster": (str, int),
}
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number"}


@dataclass
class Cleaned:
    """Sanitised values plus a note per change, for the operator."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def clean_text(value: str) -> tuple[str, list[str]]:
    """`value` without NUL bytes and lone surrogates, and what was removed (as notes)."""
    notes = []
    n_nul = value.count("\x00")
    if n_nul:
        value = value.replace("\x00", "")
        notes.append(f"removed {n_nul} NUL byte(s)")
    n_sur = len(_SURROGATE.findall(value))
    if n_sur:
        value = _SURROGATE.sub("", value)
        notes.append(f"removed {n_sur} lone surrogate(s)")
    return value, notes


def clean_fields(values: Mapping[str, Any]) -> Cleaned:
    """Every string value cleaned; notes name the field ("title: removed 1 NUL byte(s)")."""
    out = Cleaned()
    for key, value in values.items():
        if isinstance(value, str):
            value, notes = clean_text(value)
            out.notes.extend(f"{key}: {n}" for n in notes)
        out.values[key] = value
    return out


def sanitised(values: Mapping[str, Any], what: str, where: str | None) -> dict[str, Any]:
    """clean_fields for a feed entry or a fetched page, the removals logged as a warning."""
    cleaned = clean_fields(values)
    if cleaned.notes:
        logger.warning(
            f"{what}: unstorable characters removed",
            extra={"url": where, "removed": "; ".join(cleaned.notes)},
        )
    return cleaned.values


def page_bytes(body: bytes, url: str | None) -> bytes:
    """A fetched page without NUL bytes, which make the HTML parser drop the whole text.

    Only for bodies that are not UTF-16/32 (where NUL bytes are half of every character);
    the removal is logged like the others.
    """
    if b"\x00" not in body or body.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return body
    n = body.count(b"\x00")
    logger.warning(
        "fetched page: unstorable characters removed",
        extra={"url": url, "removed": f"page: removed {n} NUL byte(s)"},
    )
    return body.replace(b"\x00", b"")


def _type_error(key: str, value: Any, allowed: tuple[type, ...]) -> str:
    want = " or ".join(_TYPE_NAMES[t] for t in allowed)
    return f"field {key!r} must be {want}, not {type(value).__name__} ({str(value)[:60]!r})"


def parse_time(value: Any) -> datetime | None:
    """An ISO date or a Unix epoch (seconds or milliseconds) as an aware UTC datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def check_import_record(obj: Any) -> Cleaned:
    """One JSON line as importable values; ValueError names the first field that is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"each line must be a JSON object, not {type(obj).__name__}")
    for key, allowed in IMPORT_FIELDS.items():
        value = obj.get(key)
        if value is None:
            continue
        # bool is an int in Python, never a valid value here
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise ValueError(_type_error(key, value, allowed))
    cleaned = clean_fields({k: obj.get(k) for k in IMPORT_FIELDS})
    vals = cleaned.values
    missing = [k for k in REQUIRED if not isinstance(vals.get(k), str) or not vals[k].strip()]
    if missing:
        raise ValueError(f"missing or empty required field(s): {', '.join(missing)}")
    if not vals["url"].startswith(("http://", "https://")):
        raise ValueError(f"url must be http(s): {vals['url'][:80]!r}")
    try:
        vals["published"] = parse_time(vals.get("published"))
    except (ValueError, OverflowError, OSError) as e:
        raise ValueError(f"published is not an ISO date or epoch: {e}") from None
    for key in ("title", "source", "region", "lang"):
        if isinstance(vals.get(key), str):
            vals[key] = vals[key].strip() or None
    return cleaned


__all__ = [
    "Cleaned",
    "check_import_record",
    "clean_fields",
    "clean_text",
    "page_bytes",
    "parse_time",
    "sanitised",
]
