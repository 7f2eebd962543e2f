"""A draft built while its story changes: the change is not lost (the story is drafted
again), and drafts are claimed, so two workers do not build the same story twice."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from drafts.stage import redraft_story, run_drafts
from store.claims import claim_where, lease_of
from store.schema import draft_versions, sentence_vectors, stories
from store.stories import mark_dirty
from tests.drafts.conftest import Built


def _story(built: Built) -> int:
    return next(iter(built.story_ids.values()))


def _dirty(built: Built, sid: int) -> bool:
    with built.engine.connect() as conn:
        return conn.execute(select(stories.c.dirty).where(stories.c.id == sid)).scalar()


def test_a_change_during_the_build_keeps_the_story_dirty(built: Built, encode) -> None:
    sid = _story(built)

    def encode_while_the_story_changes(texts):  # noqa: ANN001, ANN202
        with built.engine.begin() as conn:  # another worker places an article meanwhile
            mark_dirty(conn, [sid])
        return encode(texts)

    with built.engine.begin() as conn:  # drafts read stored sentence vectors: make it encode
        conn.execute(delete(sentence_vectors))
    redraft_story(built.engine, built.config, sid, encode=encode_while_the_story_changes)
    assert _dirty(built, sid), "the mark set during the build was lost"
    assert run_drafts(built.engine, built.config, encode=encode) >= 1
    assert not _dirty(built, sid)


def test_a_claimed_story_is_not_drafted_by_another_worker(built: Built, encode) -> None:
    sid = _story(built)
    with built.engine.begin() as conn:
        mark_dirty(conn, [sid])
    lease = lease_of(built.config.workers, "drafts")
    other = claim_where(
        built.engine, "drafts", stories, [stories.c.id == sid], limit=1, lease=lease
    )
    assert other == [sid]  # a worker elsewhere holds it
    with built.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(draft_versions)).scalar()
    run_drafts(built.engine, built.config, encode=encode)
    assert _dirty(built, sid)  # left to its holder
    redraft_story(built.engine, built.config, sid, encode=encode, token=other.token)
    assert not _dirty(built, sid)
    with built.engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(draft_versions)).scalar()
    assert after - before <= 1
