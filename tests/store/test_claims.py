"""Claims with tokens: only the holder finishes, an expired claim is taken over, a lost
claim's writes roll back. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store.articles import LEASE, claim, finish, finish_many, upsert_article
from store.claims import ClaimLost, held
from store.db import utcnow
from store.schema import DONE, articles


def _fetched(engine, n: int) -> list[int]:
    with engine.begin() as conn:
        for i in range(n):
            upsert_article(conn, url=f"http://x.test/{i}", canonical=f"http://x.test/{i}")
    mine = claim(engine, "fetch", n)
    with engine.begin() as conn:
        for aid in mine:
            finish(conn, aid, "fetch", DONE, token=mine.token)
    return list(mine)


def test_stages_have_their_own_claims(engine):
    ids = _fetched(engine, 3)
    # NLP and embeddings both need only the fetch: both claim the same articles at once.
    assert claim(engine, "nlp", 10) == ids
    assert claim(engine, "embed", 10) == ids
    assert claim(engine, "nlp", 10) == []
    assert {c["stage"] for c in held(engine)} == {"nlp", "embed"}


def test_only_the_token_holding_the_claim_finishes(engine):
    ids = _fetched(engine, 1)
    now = utcnow()
    slow = claim(engine, "nlp", 1, now=now)
    # the slow worker's lease expires; another takes the article over
    fast = claim(engine, "nlp", 1, now=now + LEASE + timedelta(seconds=1))
    assert fast == slow == ids and fast.token != slow.token
    with pytest.raises(ClaimLost), engine.begin() as conn:
        conn.execute(articles.update().values(title="written by the slow worker"))
        finish(conn, ids[0], "nlp", DONE, token=slow.token)
    with engine.connect() as conn:  # the slow worker's write rolled back with its finish
        assert conn.execute(select(articles.c.title, articles.c.nlp_status)).one() == (
            None,
            "pending",
        )
    with engine.begin() as conn:
        finish(conn, ids[0], "nlp", DONE, token=fast.token)
    assert held(engine, "nlp") == []
    assert claim(engine, "nlp", 1, now=now + 2 * LEASE) == []  # done: never handed out again


def test_finishing_many_at_once_needs_every_claim(engine):
    """A batch finish (the embed stage's) is all or nothing: one claim taken over by another
    worker rolls back the whole batch, and the holder of all of them finishes them."""
    ids = _fetched(engine, 3)
    now = utcnow()
    slow = claim(engine, "embed", 3, now=now)
    took = claim(engine, "embed", 1, now=now + LEASE + timedelta(seconds=1))
    assert took == ids[:1]
    with pytest.raises(ClaimLost), engine.begin() as conn:
        finish_many(conn, ids, "embed", DONE, token=slow.token)
    with engine.connect() as conn:
        assert set(conn.execute(select(articles.c.embed_status)).scalars()) == {"pending"}
    again = claim(engine, "embed", 3, now=now + 3 * LEASE)
    assert sorted(again) == ids
    with engine.begin() as conn:
        finish_many(conn, list(again), "embed", DONE, token=again.token)
    with engine.connect() as conn:
        assert set(conn.execute(select(articles.c.embed_status)).scalars()) == {DONE}
    assert held(engine, "embed") == []


def test_a_finished_row_is_not_claimed_again_from_a_stale_candidate_list(engine):
    ids = _fetched(engine, 2)
    first = claim(engine, "nlp", 2)
    with engine.begin() as conn:
        finish(conn, ids[0], "nlp", DONE, token=first.token)
    # after the lease, only the unfinished one comes back
    assert claim(engine, "nlp", 10, now=utcnow() + LEASE + timedelta(seconds=1)) == ids[1:]
