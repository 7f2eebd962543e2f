"""Refused or failed single URLs are listed with their reason: CLI and UI.

Before, `add-url` without `--now` printed "0 refused" and the refusal (made later, at
fetch time) was only in `articles.last_error`, where no operator looks.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from core.aio import run_sync
from ingest.pages import fetch_pending, queue_urls
from storyloom.cli import app as cli_app
from tests.ingest.conftest import make_config
from tests.localserver import LocalServer


def _fail_two(engine: Engine, url: str, srv: LocalServer) -> tuple[str, str]:
    srv.add("/robots.txt", (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"))
    srv.add("/gone", (404, {"Content-Type": "text/plain"}, b"no"))
    # only the server's port is open; the UI's port on the same host is not
    config = make_config(url, {}, allow_hosts=[f"127.0.0.1:{srv.port}"])
    refused, missing = "http://127.0.0.1:1/admin", srv.url("/gone")
    out = queue_urls(engine, [refused, missing])
    assert out["new"] == 2 and out["refused"] == []  # nothing is refused at queue time
    run_sync(fetch_pending(engine, config))
    return refused, missing


def test_cli_lists_failed_urls_with_reason(store, sqlite_url, tmp_path) -> None:  # noqa: ANN001
    with LocalServer() as srv:
        refused, missing = _fail_two(store, sqlite_url, srv)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "{sqlite_url}"\n', encoding="utf-8")
    res = CliRunner().invoke(cli_app, ["--config", str(cfg), "articles", "--failed", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["url"]: r for r in map(json.loads, res.stdout.splitlines())}
    assert set(rows) == {refused, missing}
    assert "loopback address: refused" in rows[refused]["reason"]
    assert rows[refused]["stage"] == "fetch" and rows[refused]["single"]
    assert "HTTP 404" in rows[missing]["reason"]
    table = CliRunner().invoke(
        cli_app, ["--config", str(cfg), "articles", "--failed"], env={"COLUMNS": "250"}
    )
    assert "failed articles: 2 of 2" in table.stdout and "HTTP 404" in table.stdout


def test_ui_page_lists_them(store, sqlite_url, editor) -> None:  # noqa: ANN001
    with LocalServer() as srv:
        refused, missing = _fail_two(store, sqlite_url, srv)
    client, _ = editor
    page = client.get("/failed").text
    assert "Failed articles" in page and refused in page and missing in page
    assert "loopback address: refused" in page and "HTTP 404" in page
    assert '<a href="/failed">Failed</a>' in client.get("/").text
