"""UCI News Aggregator rows as stories in a real store: each gold STORY one story, each row
one article published at its TIMESTAMP, so velocity and timelines see the real rhythm."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert

from store.schema import articles
from store.stories import assign, create_story, refresh_story

T_CREATED = datetime(2014, 1, 1, tzinfo=UTC)


def load_uci(path: Path) -> dict[str, list[dict]]:
    """gold story -> rows (title, publisher, url, published), sorted by time."""
    out: dict[str, list[dict]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["STORY"]].append(
                {
                    "title": r["TITLE"],
                    "publisher": r["PUBLISHER"],
                    "url": r["URL"],
                    "published": datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, UTC),
                }
            )
    for rows in out.values():
        rows.sort(key=lambda x: x["published"])
    return dict(out)


def store_uci(engine: Engine, data: dict[str, list[dict]]) -> dict[str, int]:
    """Write every gold story with its articles; returns gold story -> story id."""
    ids: dict[str, int] = {}
    n = 0
    with engine.begin() as conn:
        for gold, rows in data.items():
            sid = create_story(conn, rows[0]["title"], rows[0]["published"])
            for r in rows:
                n += 1
                aid = conn.execute(
                    insert(articles)
                    .values(
                        canonical_url=f"{r['url']}#{n}",
                        url=r["url"],
                        source_name=r["publisher"],
                        title=r["title"],
                        published_at=r["published"],
                        fetch_status="done",
                        nlp_status="done",
                        embed_status="done",
                        cluster_status="done",
                        attempts=0,
                        created_at=T_CREATED,
                        updated_at=T_CREATED,
                    )
                    .returning(articles.c.id)
                ).scalar_one()
                assign(conn, aid, sid, by="algorithm", score=1.0)
            refresh_story(conn, sid)
            ids[gold] = sid
    return ids
