"""The daemon, for real: in-process with a stop event, and as `storyloom crawl` subprocesses
that are killed with SIGKILL at random moments and restarted, then stopped with SIGTERM.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from ingest.counters import read_counters
from store.claims import held
from store.db import make_engine
from store.schema import articles
from storyloom.daemon import run_daemon
from tests.ingest.conftest import article_rows, make_config, register, source_rows
from tests.ingest.newsite import NewsSite
from tests.localserver import LocalServer

ROOT = Path(__file__).resolve().parents[2]

# Poll every second, short leases, no processing stages (they load models; tested elsewhere).
DAEMON = {
    "poll_min_s": 1,
    "poll_default_s": 1,
    "poll_max_s": 1,
    "backoff_base_s": 1.0,
    "fetch_lease_s": 2.0,
    "daemon_tick_s": 0.2,
    "daemon_process": False,
    "counters_flush_s": 0.5,
    "per_host_concurrency": 4,
}


def _wait(cond, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


def _fetched(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(articles.c.fetch_status == "done")
        ).scalar_one()


def test_daemon_in_process_polls_fetches_counts_and_stops(
    sqlite_engine: Engine, sqlite_url: str, local_server: LocalServer
) -> None:
    site = NewsSite(local_server, feeds=3, entries=4, reveal_s=0.5)
    config = make_config(sqlite_url, site.feed_urls(), **DAEMON)
    register(sqlite_engine, config)
    stop = threading.Event()
    rc: list[int] = []
    t = threading.Thread(
        target=lambda: rc.append(run_daemon(sqlite_engine, config, stop_event=stop))
    )
    t.start()
    try:
        _wait(lambda: site.fully_revealed() and _fetched(sqlite_engine) == 12, 30, "12 articles")
        # feeds are polled again on their (1 s) interval
        _wait(lambda: local_server.hits.get("/feeds/0.xml", 0) >= 3, 10, "repeated polls")
    finally:
        stop.set()
        t.join(timeout=30)
    assert not t.is_alive() and rc == [0]
    arts = article_rows(sqlite_engine)
    assert len(arts) == 12 and held(sqlite_engine, "fetch") == []  # every claim ended
    assert {a["canonical_url"] for a in arts} == site.all_article_urls()
    src = source_rows(sqlite_engine)
    assert all(s["last_status"] == 200 and s["error_count"] == 0 for s in src.values())
    c = read_counters(sqlite_engine)
    polls = sum(local_server.hits.get(f"/feeds/{i}.xml", 0) for i in range(3))
    assert c["articles_new"] == 12 and c["articles_fetch_done"] == 12
    assert c["fetch_http_200"] == polls + 12 and c["polls_total"] == polls
    assert c["fetch_http_404"] == 1 and c["fetches_total"] == polls + 13  # robots.txt: 404
    assert c["fetch_bytes_decoded"] > 12 * 1000


def _write_config(path: Path, db: Path, site: NewsSite) -> Path:
    lines = [f'[storage]\nurl = "sqlite:///{db}"\n', "[crawler]", 'allow_hosts = ["127.0.0.1"]']
    lines += [
        "throttle_start_delay_s = 0.0",
        "throttle_enabled = false",
        "min_delay_s = 0.0",
    ]
    lines += [f"{k} = {str(v).lower() if isinstance(v, bool) else v}" for k, v in DAEMON.items()]
    for name, url in site.feed_urls().items():
        lines.append(f'\n[[sources]]\nname = "{name}"\nurl = "{url}"')
    path.write_text("\n".join(lines) + "\n")
    return path


def _crawl(config: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "storyloom", "--config", str(config), "crawl"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _started(log: Path) -> bool:
    return "daemon started" in log.read_text()


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    """Ten SIGKILLs (a fifth while starting, the rest while working), a restart after each,
    then a last run to the end: every article the site served is stored once and fetched.
    The seed is in every failure message; STORYLOOM_KILL_SEED replays it."""
    seed = int(os.environ.get("STORYLOOM_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    db = tmp_path / "crawl.db"
    with LocalServer() as srv:
        srv.httpd.handle_error = lambda *a: None  # connections cut by SIGKILL are expected
        site = NewsSite(srv, feeds=4, entries=25, reveal_s=1.6)
        config = _write_config(tmp_path / "config.toml", db, site)
        subprocess.run(
            [sys.executable, "-m", "storyloom", "--config", str(config), "init"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        engine = make_engine(f"sqlite:///{db}")
        kills = []
        for n in range(10):
            log = tmp_path / f"daemon-{n}.log"
            proc = _crawl(config, log)
            if rng.random() < 0.2:  # now and then while it is still starting (migrations...)
                moment = f"start+{rng.uniform(0.5, 2.0):.2f}s"
                time.sleep(float(moment[6:-1]))
            else:  # mostly while it works: polling, fetching, extracting, writing
                _wait(lambda log=log: _started(log), 30, f"daemon {n} to start")
                moment = f"work+{rng.uniform(0.0, 4.0):.2f}s"
                time.sleep(float(moment[5:-1]))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills.append((moment, _fetched(engine)))
        print(f"seed {seed}; kills (moment, articles fetched so far): {kills}")
        assert kills[-1][1] > 0, f"the killed daemons fetched nothing (seed {seed}): {kills}"
        # Restart once more and let it finish; then stop it the polite way.
        log = tmp_path / "daemon-final.log"
        proc = _crawl(config, log)
        try:
            expected = len(site.all_article_urls())
            _wait(
                lambda: site.fully_revealed() and _fetched(engine) == expected,
                45,
                f"all {expected} articles after the kills {kills} (seed {seed})",
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=30)
    tail = log.read_text()[-3000:]
    assert rc == 0, f"SIGTERM exit code {rc}; log tail:\n{tail}"
    assert "SIGTERM received: stopping cleanly" in tail and "daemon stopped" in tail
    arts = article_rows(engine)
    urls = [a["canonical_url"] for a in arts]
    assert len(arts) == expected, f"seed {seed}, kills {kills}"
    assert set(urls) == site.all_article_urls() and len(set(urls)) == len(urls)
    assert len({a["content_hash"] for a in arts}) == expected  # no text stored twice
    assert all(a["fetch_status"] == "done" for a in arts)
    assert held(engine, "fetch") == []
    engine.dispose()
