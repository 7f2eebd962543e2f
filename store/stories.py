"""Story rows: creation with a stable readable slug, and the counts derived from members."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, distinct, func, insert, select, update

from store.db import insert_on_conflict, utcnow
from store.schema import articles, counters, sources, stories, story_members
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
    seq: int | None = None,
) -> int | None:
    """Put an article in a story (replacing any earlier membership); returns the old story.

    `seq` is the cluster stage's store-wide placement number (None for other writers)."""
    old = conn.execute(
        select(story_members.c.story_id).where(story_members.c.article_id == article_id)
    ).scalar()
    vals = {
        "story_id": story_id,
        "assigned_by": by,
        "score": score,
        "user_id": user_id,
        "assigned_at": utcnow(),
        "seq": seq,
    }
    if old is None:
        conn.execute(insert(story_members).values(article_id=article_id, **vals))
    else:
        conn.execute(
            update(story_members).where(story_members.c.article_id == article_id).values(**vals)
        )
    return old


class StaleStory(RuntimeError):
    """A story changed since the writer read it: reload and decide again."""


def refresh_story(
    conn: Connection, story_id: int, *, expect_version: int | None = None, **extra: Any
) -> int:
    """Recompute counts and times from the members, mark the draft for a rebuild and bump
    the story's version; returns the new version.

    With `expect_version`, the write happens only if the story is still at that version
    (else StaleStory, rolling back the caller's transaction): a writer whose view of the
    story is stale never overwrites a newer state.
    """
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
    q = update(stories).where(stories.c.id == story_id)
    if expect_version is not None:
        q = q.where(stories.c.version == expect_version)
    values = {"dirty": True, **extra}  # a merged-away story passes dirty=False: no draft
    version = conn.execute(
        q.values(
            n_articles=row[0],
            n_sources=row[1],
            first_seen_at=row[2],
            last_article_at=row[3],
            version=stories.c.version + 1,
            updated_at=utcnow(),
            **values,
        ).returning(stories.c.version)
    ).scalar()
    if version is None:
        raise StaleStory(f"story {story_id} changed since version {expect_version}")
    return int(version)


def mark_dirty(conn: Connection, story_ids: Any) -> None:
    """Ask for a rebuild of these stories' drafts (ids or a select of ids).

    The version moves too, so a draft being built right now from the older content is
    not taken as current: the mark set during a build is never lost.
    """
    conn.execute(
        update(stories)
        .where(stories.c.id.in_(story_ids))
        .values(dirty=True, version=stories.c.version + 1)
    )


# Store-wide counters of the clustering writer (rows of `counters`).
EPOCH = "cluster_epoch"  # writes to stories' members or state
PLACED = "cluster_placed"  # articles placed by the cluster stage (story_members.seq)
CONSOLIDATED = "cluster_consolidated"  # PLACED at the last consolidation pass


def bump_counter(conn: Connection, name: str, by: float = 1) -> int:
    """counters[name] += by, in the caller's transaction; returns the new value."""
    ins = insert_on_conflict(conn, counters).values(name=name, value=by)
    ins = ins.on_conflict_do_update(
        index_elements=[counters.c.name], set_={"value": counters.c.value + by}
    ).returning(counters.c.value)
    return int(conn.execute(ins).scalar_one())


def read_counter(conn: Connection, name: str) -> int:
    return int(conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar() or 0)


def bump_cluster_epoch(conn: Connection) -> int:
    """Count one more write to stories' members or state (under the clustering lock).

    A writer that finds the count moved since its own last write knows someone else changed
    stories meanwhile and reloads its in-memory view before deciding anything.
    """
    return bump_counter(conn, EPOCH)


def cluster_epoch(conn: Connection) -> int:
    return read_counter(conn, EPOCH)


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
    refresh_story(conn, other_id, dirty=False)  # a pointer now: nothing to draft
    return moved
