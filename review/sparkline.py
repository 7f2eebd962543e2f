"""Per-day fetch outcomes of a source as sparkline geometry for the Sources page.

Each day is a stacked bar, good fetches (200, 304) below and problems (429, robots,
refused, errors) above, scaled to the source's busiest day; the tooltip lists the kinds.
"""

from __future__ import annotations

from typing import Any

GOOD = frozenset({"ok", "not_modified"})
BAR_W, GAP, HEIGHT = 6, 2, 24


def sparkline(days: list[dict[str, Any]]) -> dict[str, Any]:
    """{width, height, bars: [{x, good: (y, h), bad: (y, h), title}]} for `days`."""
    totals = [sum(d["kinds"].values()) for d in days]
    peak = max(totals, default=0) or 1
    bars = []
    for i, d in enumerate(days):
        good = sum(n for k, n in d["kinds"].items() if k in GOOD)
        bad = sum(n for k, n in d["kinds"].items() if k not in GOOD)
        gh = HEIGHT * good / peak
        bh = HEIGHT * bad / peak
        detail = ", ".join(f"{k} {n}" for k, n in sorted(d["kinds"].items())) or "no fetches"
        bars.append(
            {
                "x": i * (BAR_W + GAP),
                "good_y": round(HEIGHT - gh, 2),
                "good_h": round(gh, 2),
                "bad_y": round(HEIGHT - gh - bh, 2),
                "bad_h": round(bh, 2),
                "title": f"{d['day']}: {detail}",
            }
        )
    return {"width": len(days) * (BAR_W + GAP), "height": HEIGHT, "bars": bars, "bar_w": BAR_W}


__all__ = ["sparkline"]
