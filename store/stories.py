"""Story rows: creation with a stable readable slug, and the counts derived from members."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, distinct, func, insert, select, update

from store.db import utcnow
from store.schema import articles, sources, stories, story_members

_SLUG_WORDS = 8


def slugify(text: str | None, max_words: int = _SLUG_WORDS) -> str:
    """Lower-case ASCII words joined by hyphens: readable in a URL and in [[wiki links]]."""
    norm = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", norm.lower())
    return "-".join(words[:max_words]) or "story"


def create_story(
    conn: Connection, title: str | None, first_seen: datetime | None, state: dict | None = None
) -> int:
    """Insert a story; its slug (title words plus id) never changes afterwards."""
    now = utcnow()
    sid = conn.execute(
        insert(stories)
        .values(
            slug=f"tmp-{now.timestamp()}-{id(state)}",
            title=title,
            status="open",
            n_articles=0,
            n_sources=0,
            first_seen_at=first_seen,
            last_article_at=first_seen,
            state=state,
            dirty=True,
            created_at=now,
            updated_at=now,
        )
        .returning(stories.c.id)
    ).scalar_one()
    conn.execute(update(stories).where(stories.c.id == sid).values(slug=f"{slugify(title)}-{sid}"))
    return sid


def assign(
    conn: Connection,
    article_id: int,
    story_id: int,
    *,
    by: str = "algorithm",
    score: float | None = None,
    user_id: int | None = None,
) -> int | None:
    """Put an article in a story (replacing any earlier membership); returns the old story."""
    old = conn.execute(
        select(story_members.c.story_id).where(story_members.c.article_id == article_id)
    ).scalar()
    vals = {
        "story_id": story_id,
        "assigned_by": by,
        "score": score,
        "user_id": user_id,
        "assigned_at": utcnow(),
    }
    if old is None:
        conn.execute(insert(story_members).values(article_id=article_id, **vals))
    else:
        conn.execute(
            update(story_members).where(story_members.c.article_id == article_id).values(**vals)
        )
    return old


def refresh_story(conn: Connection, story_id: int, **extra: Any) -> None:
    """Recompute counts and times from the members and mark the draft for a rebuild."""
    outlet = func.coalesce(sources.c.name, articles.c.source_name, articles.c.site_name)
    stamp = func.coalesce(articles.c.published_at, articles.c.created_at)
    row = conn.execute(
        select(
            func.count(),
            func.count(distinct(outlet)),
            func.min(stamp),
            func.max(stamp),
        )
        .select_from(
            story_members.join(articles, articles.c.id == story_members.c.article_id).outerjoin(
                sources, sources.c.id == articles.c.source_id
            )
        )
        .where(story_members.c.story_id == story_id)
    ).one()
    conn.execute(
        update(stories)
        .where(stories.c.id == story_id)
        .values(
            n_articles=row[0],
            n_sources=row[1],
            first_seen_at=row[2],
            last_article_at=row[3],
            dirty=True,
            updated_at=utcnow(),
            **extra,
        )
    )
