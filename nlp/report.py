"""A stored analysis as text an editor can read at a terminal (`storyloom analyse ID`)."""

from __future__ import annotations

from typing import Any


def format_analysis(row: dict[str, Any], *, max_items: int = 40) -> str:
    """Status, entities (with counts), figures (display form), time references and quotes."""
    data = row.get("data") or {}
    lines = [
        f"article {row.get('article_id')}: {row.get('status')}"
        + (f" ({row['note']})" if row.get("note") else ""),
        f"model {row.get('model')}, pipeline v{row.get('pipeline_version')}",
        "",
        f"Entities ({len(data.get('entities') or [])}):",
    ]
    for e in (data.get("entities") or [])[:max_items]:
        lines.append(f"  {e['text']} [{e['label']}] ×{e['count']}")
    lines += ["", f"Figures ({len(data.get('facts') or [])}):"]
    for f in (data.get("facts") or [])[:max_items]:
        lines.append(f"  {f['display']}   ({f['kind']}: {f['text']})")
    times = data.get("times") or []
    lines += ["", f"Time references ({len(times)}):"]
    if times:
        lines.append("  " + "; ".join(t["text"] for t in times[:max_items]))
    lines += ["", f"Quotes ({len(data.get('quotes') or [])}):"]
    for q in (data.get("quotes") or [])[:max_items]:
        lines.append(f"  “{q['text']}” — {q['speaker'] or 'unattributed'}")
    return "\n".join(lines)
