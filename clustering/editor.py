"""Editor operations on clusters: move, split, merge.

Each is stored as a labelled example (a `labels` row of kind "cluster") for the day the
clustering score is learned, and as an audit row. Memberships an editor set are marked
`assigned_by="editor"`, and the algorithm never moves those articles again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from clustering.stored import rebuild_state
from core.config import Config
from core.errors import InvalidInput, NotFound
from store.db import utcnow
from store.locks import CLUSTER, StoreBusy, writer_lock
from store.queries import audit
from store.schema import articles, labels, stories, story_members
from store.stories import assign, bump_cluster_epoch, create_story, merge_story, refresh_story


def _story(conn: Connection, story_id: int) -> Any:
    row = conn.execute(select(stories).where(stories.c.id == story_id)).first()
    if row is None:
        raise NotFound(f"no story with id {story_id}")
    if row.status == "merged":
        raise InvalidInput(f"story {story_id} was merged into {row.merged_into}")
    return row


def _label(conn: Connection, user_id: int | None, value: str, story_id: int, **detail: Any) -> None:
    conn.execute(
        insert(labels).values(
            kind="cluster",
            article_id=detail.get("article_id"),
            story_id=story_id,
            value=value,
            detail=detail,
            user_id=user_id,
            created_at=utcnow(),
        )
    )


@contextmanager
def _writing(engine: Engine, config: Config) -> Iterator[Connection]:
    """A transaction as the one clustering writer (store/locks.py), counted in the epoch so
    a cluster stage elsewhere reloads the stories an editor just changed."""
    wait = config.workers.cluster_lock_wait_s
    with writer_lock(engine, CLUSTER, wait=wait) as got:
        if not got:
            raise StoreBusy(
                f"the clustering writer is busy (a cluster pass did not finish within {wait:g}s);"
                " try the change again in a moment"
            )
        with engine.begin() as conn:
            yield conn
            bump_cluster_epoch(conn)


def _rebuild(conn: Connection, story_id: int, config: Config) -> None:
    """The story's clusterer state from its members now, so the next article sees it.

    With the configured [clustering] model: under any other, the members have no vectors and
    the story would get no state and silently drop out of clustering.
    """
    rebuild_state(conn, story_id, config.clustering)


def move_article(
    engine: Engine,
    article_id: int,
    story_id: int,
    user_id: int | None,
    config: Config,
) -> None:
    """Put one article in another story, for good."""
    with _writing(engine, config) as conn:
        _story(conn, story_id)
        if conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first() is None:
            raise NotFound(f"no article with id {article_id}")
        old = assign(conn, article_id, story_id, by="editor", user_id=user_id)
        for sid in {story_id, old} - {None}:
            _rebuild(conn, sid, config)
            refresh_story(conn, sid)
        _label(conn, user_id, "move", story_id, article_id=article_id, from_story=old)
        audit(
            conn,
            user_id,
            "cluster.move",
            "story",
            story_id,
            {"article_id": article_id, "from": old},
        )
        if old is not None and old != story_id:
            audit(
                conn,
                user_id,
                "cluster.move_out",
                "story",
                old,
                {"article_id": article_id, "to": story_id},
            )


def split_articles(
    engine: Engine, article_ids: list[int], user_id: int | None, config: Config
) -> int:
    """Take the chosen articles out of their stories into a new one; returns its id."""
    if not article_ids:
        raise InvalidInput("choose at least one article to split off")
    with _writing(engine, config) as conn:
        rows = conn.execute(
            select(
                articles.c.id, articles.c.title, articles.c.published_at, story_members.c.story_id
            )
            .select_from(
                articles.outerjoin(story_members, story_members.c.article_id == articles.c.id)
            )
            .where(articles.c.id.in_(article_ids))
            .order_by(articles.c.published_at)
        ).all()
        if len(rows) != len(set(article_ids)):
            raise NotFound("some of the chosen articles do not exist")
        new_id = create_story(conn, rows[0].title, rows[0].published_at)
        olds = set()
        for r in rows:
            assign(conn, r.id, new_id, by="editor", user_id=user_id)
            olds.add(r.story_id)
        for sid in (olds - {None}) | {new_id}:
            _rebuild(conn, sid, config)
            refresh_story(conn, sid)
        _label(
            conn,
            user_id,
            "split",
            new_id,
            article_ids=list(article_ids),
            from_stories=sorted(olds - {None}),
        )
        for sid in olds - {None}:
            audit(
                conn,
                user_id,
                "cluster.split",
                "story",
                sid,
                {"article_ids": list(article_ids), "new_story": new_id},
            )
        audit(
            conn, user_id, "cluster.split_from", "story", new_id, {"article_ids": list(article_ids)}
        )
    return new_id


def merge_stories(
    engine: Engine, keep_id: int, other_id: int, user_id: int | None, config: Config
) -> None:
    """Fold `other_id` into `keep_id`; the other story remains as a pointer ("merged")."""
    if keep_id == other_id:
        raise InvalidInput("a story cannot be merged with itself")
    with _writing(engine, config) as conn:
        _story(conn, keep_id)
        _story(conn, other_id)
        moved = merge_story(conn, keep_id, other_id, by="editor", user_id=user_id)
        _rebuild(conn, keep_id, config)
        _label(conn, user_id, "merge", keep_id, other=other_id, article_ids=moved)
        audit(
            conn,
            user_id,
            "cluster.merge",
            "story",
            keep_id,
            {"merged": other_id, "articles": len(moved)},
        )
        audit(conn, user_id, "cluster.merged_into", "story", other_id, {"into": keep_id})
