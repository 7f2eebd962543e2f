"""`storyloom sources`, `source add|pause|resume` and `add-url`, run through the real CLI app
against a real SQLite store and a local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import ingest.cli
from core.config import load_config
from ingest.crawl import crawl_once
from store.db import open_store
from store.queries import tombstone_article
from storyloom.cli import app
from tests.ingest.conftest import RSS_HEADERS, article_html, article_rows, rss, source_rows
from tests.localserver import LocalServer

TEXT = (
    "The regional rail operator will add night trains on three lines from March, after a "
    "trial showed strong demand from shift workers and students across the valley."
)


@pytest.fixture
def cli(tmp_path: Path, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Invoke `storyloom --config <tmp config> ...`; the config has one feed on the server."""
    local_server.add(
        "/feed.xml", (200, RSS_HEADERS, rss([{"link": local_server.url("/a"), "title": "A"}]))
    )
    local_server.add("/a", (200, {"Content-Type": "text/html"}, article_html("Night trains", TEXT)))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "s.db"}"\n'
        '[crawler]\nallow_hosts = ["127.0.0.1"]\nthrottle_start_delay_s = 0.0\n'
        f'[[sources]]\nname = "Valley Post"\nurl = "{local_server.url("/feed.xml")}"\n'
    )
    monkeypatch.setenv("STORYLOOM_CONFIG", str(cfg))  # restored after (the CLI sets it too)
    monkeypatch.setattr(ingest.cli.console, "width", 250)  # a wide terminal: no wrapped cells
    runner = CliRunner()

    def invoke(*args: str):  # noqa: ANN202
        return runner.invoke(app, ["--config", str(cfg), *args])

    assert invoke("init").exit_code == 0  # only init migrates
    invoke.config = cfg
    return invoke


def test_sources_table_and_source_commands(cli, local_server: LocalServer) -> None:
    res = cli("sources")
    assert res.exit_code == 0, res.output
    assert "Valley Post" in res.output and "active" in res.output

    config = load_config(cli.config)
    engine = open_store(config.storage.url)
    crawl_once(engine, config)
    res = cli("sources")
    line = next(row for row in res.output.splitlines() if "Valley Post" in row)
    assert "feed" in line and " 200 " in line and "ago)" in line and "(in " in line
    assert line.split("│")[7].strip() == "1"  # articles

    res = cli(
        "source",
        "add",
        "Hill Times",
        local_server.url("/hill.xml"),
        "--country",
        "GB",
        "--language",
        "en",
        "--lens",
        "markets",
    )
    assert res.exit_code == 0, res.output
    src = source_rows(engine)["Hill Times"]
    assert (src["kind"], src["country"], src["language"], src["default_lens"], src["origin"]) == (
        "feed",
        "GB",
        "en",
        "markets",
        "cli",
    )
    assert cli("source", "add", "Hill Times", local_server.url("/x.xml")).exit_code == 1
    bad = cli("source", "add", "Ftp", "ftp://example.org/feed")
    assert bad.exit_code == 2 and "must be http:// or https://" in bad.output
    bad = cli("source", "add", "Lensless", local_server.url("/y.xml"), "--lens", "gossip")
    assert bad.exit_code == 2 and "not in the taxonomy" in bad.output
    assert "Ftp" not in source_rows(engine) and "Lensless" not in source_rows(engine)

    assert cli("source", "pause", "Hill Times", "--why", "too noisy").exit_code == 0
    assert source_rows(engine)["Hill Times"]["paused_reason"] == "too noisy"
    res = cli("sources")
    assert "paused: too noisy" in res.output
    # a paused source is not polled
    assert crawl_once(engine, config)["sources"] == 0
    assert cli("source", "resume", "Hill Times").exit_code == 0
    src = source_rows(engine)["Hill Times"]
    assert not src["paused"] and src["paused_reason"] is None
    missing = cli("source", "pause", "Nope")
    assert missing.exit_code == 1 and "no source named 'Nope'" in missing.output
    engine.dispose()


def test_add_url_queues_dedupes_refuses_and_fetches(cli, local_server: LocalServer) -> None:
    page = local_server.url("/a")
    res = cli("add-url", page, page + "?utm_source=newsletter", "ftp://example.org/x", "--now")
    assert res.exit_code == 1  # one URL refused
    assert "queued 1 new, 1 already known, 1 refused" in res.output
    assert "only http:// and https:// URLs" in res.output
    assert "fetched: 1 done, 0 failed" in res.output
    engine = open_store(load_config(cli.config).storage.url)
    (art,) = article_rows(engine)
    assert (art["fetch_status"], art["extraction"], art["source_name"]) == (
        "done",
        "page",
        "127.0.0.1",
    )
    assert "night trains" in art["text"]
    # an article an editor deleted cannot come back through add-url either
    tombstone_article(engine, art["id"], "off topic", None)
    res = cli("add-url", page)
    assert res.exit_code == 1 and "an editor deleted this article" in res.output
    assert article_rows(engine) == []
    engine.dispose()
