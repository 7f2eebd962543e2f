"""Story rows: creation with a stable readable slug, and the counts derived from members."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, distinct, func, insert, select, update

from store.db import utcnow
from store.schema import articles, sources, stories, story_members
from store.takes import outlet_name

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
    outlet = outlet_name()
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


def merge_story(
    conn: Connection,
    keep_id: int,
    other_id: int,
    *,
    by: str | None = None,
    user_id: int | None = None,
    **keep_values: Any,
) -> list[int]:
    """Fold story `other_id` into `keep_id`, the one way a merge is written (editor and
    consolidation alike); returns the article ids that moved.

    The other story stays as a pointer: status "merged", `merged_into`, no clusterer state,
    no members. `by` None keeps each membership's `assigned_by` (an automatic merge must not
    turn an editor's placement into the algorithm's, nor the reverse); "editor" marks every
    moved article as placed by `user_id`. `keep_values` go to the kept story's refresh
    (e.g. its new `state`).
    """
    moved = [
        r[0]
        for r in conn.execute(
            select(story_members.c.article_id).where(story_members.c.story_id == other_id)
        )
    ]
    if by is None:
        conn.execute(
            update(story_members)
            .where(story_members.c.story_id == other_id)
            .values(story_id=keep_id, assigned_at=utcnow())
        )
    else:
        for aid in moved:
            assign(conn, aid, keep_id, by=by, user_id=user_id)
    conn.execute(
        update(stories)
        .where(stories.c.id == other_id)
        .values(status="merged", merged_into=keep_id, state=None, updated_at=utcnow())
    )
    refresh_story(conn, keep_id, **keep_values)
    refresh_story(conn, other_id)
    return moved
