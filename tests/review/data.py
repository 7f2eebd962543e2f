"""Test rows for the review UI, inserted directly with SQLAlchemy Core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from store.schema import articles, sources
from store.stories import assign, create_story, refresh_story
from store.users import add_user

EDITOR = ("ed", "editor-password-1")
ADMIN = ("boss", "admin-password-1")
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def seed_users(engine: Engine) -> dict[str, int]:
    return {
        "editor": add_user(engine, EDITOR[0], EDITOR[1], "editor"),
        "admin": add_user(engine, ADMIN[0], ADMIN[1], "admin"),
    }


def add_source(engine: Engine, name: str, country: str | None = None, **kw: Any) -> int:
    with engine.begin() as conn:
        row = conn.execute(select(sources.c.id).where(sources.c.name == name)).first()
        if row:
            return row[0]
        return conn.execute(
            insert(sources)
            .values(
                name=name,
                kind="feed",
                url=kw.pop("url", f"https://{name.lower().replace(' ', '')}.example/feed"),
                country=country,
                language=kw.pop("language", "en"),
                origin="config",
                paused=False,
                disabled=False,
                error_count=0,
                created_at=T0,
                **kw,
            )
            .returning(sources.c.id)
        ).scalar_one()


def add_story(engine: Engine, title: str, items: list[dict[str, Any]]) -> tuple[int, list[int]]:
    """A story with one article per item (keys: title, text, outlet, country, url, lang)."""
    with engine.begin() as conn:
        sid = create_story(conn, title, T0)
    return sid, add_articles(engine, sid, items)


def add_articles(engine: Engine, sid: int, items: list[dict[str, Any]]) -> list[int]:
    """Articles added to story `sid` as the clusterer would assign them."""
    ids = []
    for i, it in enumerate(items):
        src = add_source(engine, it.get("outlet", f"Outlet {i}"), it.get("country"))
        with engine.begin() as conn:
            n = conn.execute(select(articles.c.id)).all()
            url = it.get("url") or f"https://news{len(n)}.example/{sid}/{i}"
            aid = conn.execute(
                insert(articles)
                .values(
                    canonical_url=f"{url}#{len(n)}",
                    url=url,
                    source_id=src,
                    title=it.get("title"),
                    text=it.get("text"),
                    feed_summary=it.get("summary"),
                    published_at=T0 + timedelta(minutes=len(n)),
                    lang=it.get("lang", "en"),
                    region=it.get("country"),
                    extraction="import",
                    fetch_status="done",
                    nlp_status="pending",
                    embed_status="pending",
                    cluster_status="done",
                    attempts=0,
                    created_at=T0,
                    updated_at=T0,
                )
                .returning(articles.c.id)
            ).scalar_one()
            assign(conn, aid, sid, by="algorithm", score=0.9)
            refresh_story(conn, sid)
        ids.append(aid)
    return ids


def news_items(topic: str, n: int = 3) -> list[dict[str, Any]]:
    """Plausible multi-outlet articles about one topic, for stories that get drafted."""
    outlets = [("Harbour Times", "GB"), ("Delta Herald", "DE"), ("Pacific Wire", "JP")]
    out = []
    for i in range(n):
        name, country = outlets[i % len(outlets)]
        out.append(
            {
                "title": f"{topic}: port workers strike over pay, day {i + 1}",
                "text": (
                    f"Port workers in Rotterdam began a strike on Monday over pay. "
                    f"The union said 4,000 members joined the action, according to {name}. "
                    f"Shipping firms expect delays of up to 5 days. "
                    f"Officials will meet the union on Friday to discuss a 7% raise. "
                    f"The strike could spread to Antwerp, analysts said."
                ),
                "outlet": name,
                "country": country,
            }
        )
    return out
