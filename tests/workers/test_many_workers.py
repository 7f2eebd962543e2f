"""Real processes on one PostgreSQL store: three workers and two crawlers at once give the
same stories as one process, and nothing breaks that two writers could break."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.sample_server import SampleServer, sources_toml
from store.claims import held
from store.db import make_engine
from store.schema import articles, stories
from storyloom.doctor import find_problems
from tests.conftest import fresh_pg_schema
from tests.workers.procs import (
    bcubed_f1,
    consistency,
    count,
    partition,
    run,
    start,
    stop,
    uci_jsonl,
    wait_for,
    write_config,
)

HEADLINES = 200


def _by_path(parts: dict[str, int], base: str) -> dict[str, int]:
    """Sample-site URLs carry the server's port: compare them by path."""
    return {u.replace(base, ""): s for u, s in parts.items()}


def _settled(engine) -> bool:  # noqa: ANN001
    """Everything placed, drafted, and no claim left."""
    placeable = select(func.count()).where(
        articles.c.cluster_status == "pending",
        articles.c.fetch_status != "error",
        articles.c.nlp_status != "error",
        articles.c.embed_status != "error",
    )
    dirty = select(func.count()).where(stories.c.dirty.is_(True), stories.c.status != "merged")
    return count(engine, placeable) == 0 and count(engine, dirty) == 0 and not held(engine)


@pytest.mark.slow
@pytest.mark.soak
def test_three_workers_and_two_crawlers_cluster_as_one_process(
    pg_base_url: str, shared_dir: Path, tmp_path: Path
) -> None:
    jsonl = tmp_path / "uci.jsonl"
    uci_jsonl(shared_dir, jsonl, HEADLINES)

    # The reference: one process, one pass of everything.
    with SampleServer() as srv, fresh_pg_schema(pg_base_url) as url:
        cfg = write_config(
            tmp_path / "one.toml", url, sources=sources_toml(srv.base_url, srv.corpus)
        )
        for args in (("init",), ("import", str(jsonl)), ("crawl", "--once")):
            done = run(cfg, *args)
            assert done.returncode == 0, done.stderr[-3000:]
        engine = make_engine(url)
        one = _by_path(partition(engine), srv.base_url)
        engine.dispose()
    assert len(one) > HEADLINES * 0.9

    # Five processes at once on another store with the same input.
    with SampleServer() as srv, fresh_pg_schema(pg_base_url) as url:
        cfg = write_config(
            tmp_path / "many.toml", url, sources=sources_toml(srv.base_url, srv.corpus)
        )
        for args in (("init",), ("import", str(jsonl))):
            done = run(cfg, *args)
            assert done.returncode == 0, done.stderr[-3000:]
        logs = {f"worker{i}": tmp_path / f"worker{i}.log" for i in range(3)}
        logs.update({f"crawler{i}": tmp_path / f"crawler{i}.log" for i in range(2)})
        procs = {name: start(cfg, log, "worker") for name, log in logs.items() if "worker" in name}
        procs.update(
            {
                name: start(cfg, log, "crawl", "--once")
                for name, log in logs.items()
                if "crawl" in name
            }
        )
        engine = make_engine(url)
        try:
            for name in ("crawler0", "crawler1"):
                assert procs[name].wait(timeout=600) == 0, logs[name].read_text()[-3000:]
            wait_for(lambda: _settled(engine), 300, "the workers to finish everything", step=0.5)
        finally:
            codes = {name: stop(p) for name, p in procs.items() if name.startswith("worker")}
        assert codes == {"worker0": 0, "worker1": 0, "worker2": 0}
        for name, log in logs.items():
            assert "Traceback" not in log.read_text(), f"{name} crashed:\n{log.read_text()[-3000:]}"
        many = _by_path(partition(engine), srv.base_url)
        feeds = {path: n for path, n in srv.hits.items() if path.startswith("/feeds/")}
        pages = {
            p: n for p, n in srv.hits.items() if not p.startswith("/feeds/") and p != "/robots.txt"
        }
        problems = consistency(engine)
        with engine.connect() as conn:
            doctor = {k: v for k, v in find_problems(conn).items() if v}
        engine.dispose()

    assert set(many) == set(one), "the same articles were stored"
    f1 = bcubed_f1(many, one)
    print(f"BCubed F1 of 3 workers + 2 crawlers against one process: {f1:.4f}")
    assert f1 >= 0.995
    assert len(feeds) == len(srv.corpus["outlets"]) and set(feeds.values()) == {1}, feeds
    assert pages and set(pages.values()) == {1}, "each page fetched by exactly one crawler"
    assert problems == {"members_of_merged": [], "repeated_drafts": []}
    assert doctor == {}
