"""A story's timeline: articles over time and when each outlet first reported it.

Computed from the members at read time (never stored in a draft version, so it is always
current), returned in the JSON draft and drawn on the story page as a server-side SVG
(`chart_geometry` lays it out; the template only draws, escaping every outlet name).
Buckets are chosen from a list of round sizes so a story of an hour and one of a month
both get at most `max_buckets` bars.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from store.db import aware
from store.schema import articles, sources, story_members

BUCKET_SIZES_S = (300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400)


def _bucket_size(span_s: float, max_buckets: int) -> int:
    for size in BUCKET_SIZES_S:
        if span_s / size < max_buckets:
            return size
    return BUCKET_SIZES_S[-1]


def _floor(t: datetime, size_s: int) -> datetime:
    epoch = int(t.timestamp())
    return datetime.fromtimestamp(epoch - epoch % size_s, t.tzinfo)


def story_timeline(engine: Engine, story_id: int, max_buckets: int = 48) -> dict[str, Any]:
    """{start, end, bucket_s, counts, n_articles, outlets: [{outlet, first_at, article_id}]}."""
    stamp = func.coalesce(articles.c.published_at, articles.c.created_at)
    outlet = func.coalesce(sources.c.name, articles.c.source_name, articles.c.site_name)
    q = (
        select(articles.c.id, stamp.label("at"), outlet.label("outlet"))
        .select_from(
            story_members.join(articles, articles.c.id == story_members.c.article_id).outerjoin(
                sources, sources.c.id == articles.c.source_id
            )
        )
        .where(story_members.c.story_id == story_id)
        .order_by(stamp, articles.c.id)
    )
    with engine.connect() as conn:
        rows = [(r.id, aware(r.at), r.outlet or "unknown outlet") for r in conn.execute(q)]
    if not rows:
        return {"start": None, "end": None, "bucket_s": None, "counts": [], "n_articles": 0,
                "outlets": []}  # fmt: skip
    first, last = rows[0][1], rows[-1][1]
    size = _bucket_size((last - first).total_seconds(), max_buckets)
    start = _floor(first, size)
    n = int((last - start).total_seconds() // size) + 1
    counts = [0] * n
    seen: dict[str, dict[str, Any]] = {}
    for aid, at, name in rows:
        counts[int((at - start).total_seconds() // size)] += 1
        seen.setdefault(name, {"outlet": name, "first_at": at.isoformat(), "article_id": aid})
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(seconds=size * n)).isoformat(),
        "bucket_s": size,
        "counts": counts,
        "n_articles": len(rows),
        "outlets": list(seen.values()),
    }


def _label(t: datetime, size_s: int) -> str:
    return t.strftime("%Y-%m-%d" if size_s >= 86_400 else "%m-%d %H:%M")


def chart_geometry(tl: dict[str, Any], width: int = 720, height: int = 170) -> dict[str, Any]:
    """Bars (articles per bucket) and a tick per outlet's first report, in SVG coordinates.

    Layout: bars in the top band, outlet ticks in a strip below them, two time labels.
    """
    counts = tl.get("counts") or []
    if not counts:
        return {"width": width, "height": height, "bars": [], "ticks": [], "labels": []}
    pad, strip, label_h = 6, 22, 14
    top = pad + 12  # room for the peak label
    bars_h = height - top - strip - label_h - pad
    start = datetime.fromisoformat(tl["start"])
    size = tl["bucket_s"]
    span = size * len(counts)
    bw = (width - 2 * pad) / len(counts)
    peak = max(counts)
    bars = []
    for i, c in enumerate(counts):
        h = bars_h * c / peak if peak else 0
        at = start + timedelta(seconds=size * i)
        bars.append(
            {
                "x": round(pad + i * bw + bw * 0.1, 2),
                "y": round(top + bars_h - h, 2),
                "w": round(max(bw * 0.8, 1), 2),
                "h": round(h, 2),
                "title": f"{_label(at, size)}: {c} article{'s' if c != 1 else ''}",
            }
        )
    ticks = []
    for o in tl["outlets"]:
        offset = (datetime.fromisoformat(o["first_at"]) - start).total_seconds()
        ticks.append(
            {
                "x": round(pad + (width - 2 * pad) * offset / span, 2),
                "y1": top + bars_h + 4,
                "y2": top + bars_h + strip - 4,
                "title": f"{o['outlet']} first reported {o['first_at'][:16].replace('T', ' ')}",
            }
        )
    end = start + timedelta(seconds=span)
    base = height - pad
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "ticks": ticks,
        "peak": {"x": pad, "y": pad + 9, "text": f"peak {peak} per {_span_text(size)}"},
        "axis_y": top + bars_h,
        "labels": [
            {"x": pad, "y": base, "anchor": "start", "text": _label(start, size)},
            {"x": width - pad, "y": base, "anchor": "end", "text": _label(end, size)},
        ],
        "n_outlets": len(ticks),
    }


def _span_text(size_s: int) -> str:
    if size_s % 86_400 == 0:
        return "day" if size_s == 86_400 else f"{size_s // 86_400} days"
    if size_s % 3600 == 0:
        return "hour" if size_s == 3600 else f"{size_s // 3600} hours"
    return f"{size_s // 60} min"


__all__ = ["chart_geometry", "story_timeline"]
