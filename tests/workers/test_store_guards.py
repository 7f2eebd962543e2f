"""The guards several processes rely on, on SQLite and PostgreSQL: the writer lock, one
active model, concurrent inserts of one entry, the schema check, one process per SQLite
store, and the doctor's repairs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from clustering.embed import vector_to_bytes
from core.config import Config
from store.articles import upsert_article
from store.db import make_engine, utcnow
from store.locks import CLUSTER, single_process, writer_lock
from store.queries import audit
from store.schema import (
    articles,
    draft_versions,
    embeddings,
    model_versions,
    stories,
    story_members,
)
from store.stories import assign, create_story, refresh_story
from storyloom.cli import app
from storyloom.doctor import find_problems, run_doctor
from tests.workers.procs import run, write_config


def test_one_clustering_writer_at_a_time(engine) -> None:
    with writer_lock(engine, CLUSTER, wait=False) as first:
        assert first
        with writer_lock(engine, CLUSTER, wait=0.2) as second:
            assert not second  # another holder: refused after the wait, never both
    with writer_lock(engine, CLUSTER, wait=False) as again:
        assert again  # released on the way out


def test_the_schema_allows_one_active_model(engine) -> None:
    row = {"path": "x", "sha256": "0" * 64, "n_labels": 1, "created_at": utcnow()}
    with engine.begin() as conn:
        conn.execute(insert(model_versions).values(version="v1", active=True, **row))
        conn.execute(insert(model_versions).values(version="v2", active=False, **row))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(update(model_versions).values(active=True))


def test_the_same_entry_inserted_at_once_is_one_row(engine) -> None:
    errors: list[BaseException] = []
    go = threading.Barrier(4)

    def insert_it() -> None:
        try:
            go.wait()
            with engine.begin() as conn:
                upsert_article(conn, url="http://x.test/same", canonical="http://x.test/same")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=insert_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(articles)).scalar() == 1


def test_commands_refuse_a_store_behind_and_init_migrates(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'new.db'}")
    cli = CliRunner()
    behind = cli.invoke(app, ["--config", str(cfg), "stories"])
    assert behind.exit_code != 0
    assert "run `storyloom init`" in behind.output
    assert cli.invoke(app, ["--config", str(cfg), "init"]).exit_code == 0
    assert cli.invoke(app, ["--config", str(cfg), "stories"]).exit_code == 0


def test_a_second_process_on_one_sqlite_store_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    cfg = write_config(tmp_path / "config.toml", url)
    assert run(cfg, "init").returncode == 0
    engine = make_engine(url)
    with single_process(engine, "test"):
        second = run(cfg, "worker", "--once", timeout=120)
    assert second.returncode != 0
    assert "SQLite allows one worker process" in second.stderr + second.stdout
    assert f"pid {__import__('os').getpid()}" in second.stderr + second.stdout
    engine.dispose()


def _story_with(conn, n: int, title: str) -> tuple[int, list[int]]:  # noqa: ANN001
    sid = create_story(conn, title, utcnow())
    ids = []
    for i in range(n):
        aid, _ = upsert_article(
            conn, url=f"http://x.test/{title}/{i}", canonical=f"http://x.test/{title}/{i}"
        )
        v = np.random.default_rng(aid).normal(size=8).astype(np.float32)
        v /= np.linalg.norm(v)
        conn.execute(
            insert(embeddings).values(
                article_id=aid,
                model=Config().clustering.model,
                text_hash="h",
                dim=8,
                vector=vector_to_bytes(v),
                created_at=utcnow(),
            )
        )
        assign(conn, aid, sid)
        ids.append(aid)
    refresh_story(conn, sid)
    return sid, ids


def test_doctor_repairs_what_crosswise_merges_left(engine) -> None:
    """The state two unlocked consolidations left in the issue: story B merged into A yet
    still holding articles, and a draft written for B after its merge."""
    with engine.begin() as conn:
        a, _ = _story_with(conn, 2, "a")
        b, b_ids = _story_with(conn, 3, "b")
        conn.execute(
            update(stories).where(stories.c.id == b).values(status="merged", merged_into=a)
        )
        audit(conn, None, "cluster.auto_merged_into", "story", b, {"into": a})
        conn.execute(
            insert(draft_versions).values(
                story_id=b, version=1, data={"headline": "late"}, created_at=utcnow()
            )
        )
        found = find_problems(conn)
    assert found["merged_with_members"] == [b] and found["drafts_after_merge"] == [b]
    out = run_doctor(engine, Config())
    assert out["repaired"]
    with engine.connect() as conn:
        assert {
            r[0]
            for r in conn.execute(
                select(story_members.c.article_id).where(story_members.c.story_id == a)
            )
        } >= set(b_ids)
        assert (
            conn.execute(
                select(func.count())
                .select_from(draft_versions)
                .where(draft_versions.c.story_id == b)
            ).scalar()
            == 0
        )
        row = conn.execute(select(stories).where(stories.c.id == a)).one()
        assert row.n_articles == 5 and row.state is not None
        assert {k: v for k, v in find_problems(conn).items() if v} == {}


def test_an_idle_worker_wakes_on_notify(engine) -> None:
    from store.notify import Listener, notify_work

    listener = Listener(engine)
    try:
        t0 = time.monotonic()
        assert not listener.wait(0.3)  # nothing announced: sleeps the whole wait
        assert time.monotonic() - t0 >= 0.25
        if engine.dialect.name == "postgresql":  # another process's NOTIFY (here: a transaction)
            with engine.begin() as conn:
                notify_work(conn, "nlp")
        else:  # one process: the crawler in it wakes the worker directly
            listener.wake()
        t0 = time.monotonic()
        assert listener.wait(10.0)
        assert time.monotonic() - t0 < 2.0
    finally:
        listener.close()


def test_the_worker_settings_load_back_from_their_dump() -> None:
    """Worker processes get the config as JSON (bench_e2e): the defaults must validate."""
    config = Config()
    assert Config.model_validate_json(config.model_dump_json()) == config
