"""Article identity and stage claiming, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from store.articles import (
    LEASE,
    claim,
    finish,
    is_tombstoned,
    merge_duplicate_text,
    text_hash,
    upsert_article,
)
from store.db import utcnow
from store.queries import tombstone_article
from store.schema import DONE, ERROR, PENDING, article_urls, articles, sources


def _source(conn, name: str) -> int:
    return conn.execute(
        sources.insert()
        .values(
            name=name,
            kind="feed",
            url=f"http://127.0.0.1/{name}.xml",
            error_count=0,
            created_at=utcnow(),
        )
        .returning(sources.c.id)
    ).scalar_one()


def _count(engine, table=articles) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_one_article_per_canonical_url_across_feeds(engine):
    with engine.begin() as conn:
        a, b = _source(conn, "a"), _source(conn, "b")
        first = upsert_article(
            conn, url="http://x.test/p?utm_source=a", canonical="http://x.test/p", source_id=a
        )
        again = upsert_article(
            conn, url="http://x.test/p", canonical="http://x.test/p", source_id=b
        )
    assert first[1] is True and again == (first[0], False)
    assert _count(engine) == 1


def test_guid_matches_within_a_feed_only(engine):
    with engine.begin() as conn:
        a, b = _source(conn, "a"), _source(conn, "b")
        aid, _ = upsert_article(
            conn, url="http://x.test/1", canonical="http://x.test/1", guid="g1", source_id=a
        )
        # Same feed, same GUID, a new URL: the same article, with the new URL remembered.
        same, created = upsert_article(
            conn, url="http://x.test/1b", canonical="http://x.test/1b", guid="g1", source_id=a
        )
        # Another feed reusing the GUID string is another article.
        other, created_other = upsert_article(
            conn, url="http://y.test/1", canonical="http://y.test/1", guid="g1", source_id=b
        )
        alt = (
            conn.execute(select(article_urls.c.url).where(article_urls.c.article_id == aid))
            .scalars()
            .all()
        )
    assert (same, created) == (aid, False)
    assert created_other and other != aid
    assert alt == ["http://x.test/1b"]


def test_same_text_at_two_urls_is_one_article_with_both_urls(engine):
    h = text_hash("Title", "Body text")
    with engine.begin() as conn:
        first, _ = upsert_article(
            conn, url="http://x.test/a", canonical="http://x.test/a", content_hash=h
        )
        second, _ = upsert_article(
            conn, url="http://y.test/b", canonical="http://y.test/b", content_hash=h
        )
        survivor = merge_duplicate_text(conn, second, h)
        urls = (
            conn.execute(select(article_urls.c.url).where(article_urls.c.article_id == first))
            .scalars()
            .all()
        )
        # The folded URL now resolves to the survivor.
        again = upsert_article(conn, url="http://y.test/b", canonical="http://y.test/b")
    assert survivor == first
    assert urls == ["http://y.test/b"]
    assert again == (first, False)
    assert _count(engine) == 1


def test_a_deleted_article_stays_gone(engine):
    with engine.begin() as conn:
        aid, _ = upsert_article(
            conn, url="http://x.test/gone", canonical="http://x.test/gone", guid="gg"
        )
    tombstone_article(engine, aid, "spam", None)
    with engine.begin() as conn:
        assert is_tombstoned(conn, "http://x.test/gone", None)
        assert upsert_article(conn, url="http://x.test/gone", canonical="http://x.test/gone") == (
            None,
            False,
        )
        assert upsert_article(
            conn, url="http://x.test/moved", canonical="http://x.test/moved", guid="gg"
        ) == (None, False)
    assert _count(engine) == 0


def test_claim_respects_prerequisites_and_leases(engine):
    with engine.begin() as conn:
        ids = [
            upsert_article(conn, url=f"http://x.test/{i}", canonical=f"http://x.test/{i}")[0]
            for i in range(3)
        ]
    assert claim(engine, "nlp", 10) == []  # nothing fetched yet
    fetched = claim(engine, "fetch", 10)
    with engine.begin() as conn:
        for aid in ids:
            finish(conn, aid, "fetch", token=fetched.token)
    now = utcnow()
    got = claim(engine, "nlp", 2, now=now)
    assert got == ids[:2]
    assert claim(engine, "nlp", 10, now=now) == [ids[2]]  # leased rows are not handed out twice
    # A worker that died: its lease runs out and the rows come back.
    assert claim(engine, "nlp", 10, now=now + LEASE + timedelta(seconds=1)) == ids


def test_an_error_is_kept_on_the_article(engine):
    with engine.begin() as conn:
        aid, _ = upsert_article(conn, url="http://x.test/e", canonical="http://x.test/e")
    mine = claim(engine, "fetch", 1)
    with engine.begin() as conn:
        finish(conn, aid, "fetch", ERROR, token=mine.token, error="HTTP 404 Not Found")
        row = conn.execute(
            select(
                articles.c.fetch_status,
                articles.c.last_error,
                articles.c.attempts,
                articles.c.nlp_status,
            )
        ).one()
    assert row == (ERROR, "HTTP 404 Not Found", 1, PENDING)
    assert claim(engine, "nlp", 10) == []


def test_concurrent_workers_never_claim_the_same_row(engine):
    with engine.begin() as conn:
        for i in range(60):
            upsert_article(conn, url=f"http://x.test/c{i}", canonical=f"http://x.test/c{i}")
    fetched = claim(engine, "fetch", 60)
    with engine.begin() as conn:
        for aid in fetched:
            finish(conn, aid, "fetch", DONE, token=fetched.token)
    got: list[list[int]] = []
    lock = threading.Lock()

    def worker() -> None:
        mine: list[int] = []
        while batch := claim(engine, "embed", 5):
            mine.extend(batch)
        with lock:
            got.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [i for g in got for i in g]
    assert len(flat) == len(set(flat)) == 60
