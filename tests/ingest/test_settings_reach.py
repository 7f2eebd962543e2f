"""[crawler] settings reach the code that names them, through the real crawl and import.

Before: ingest/crawl.py called extract_article without settings, so the documented
extract_* keys changed nothing; ingest/importer.py identified languages with the defaults,
so lang_* keys did not reach imported articles.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from core.config import Config
from ingest.crawl import crawl_once
from ingest.importer import import_jsonl
from store.db import open_store
from tests.ingest.conftest import RSS_HEADERS, article_rows, make_config, register, rss
from tests.localserver import LocalServer

BODY = (
    "The harbour authority approved the new quay after a long public consultation, "
    "and the first container ships are expected to dock there next spring."
)
TABLE_WORD = "Quaytonnage"


def _page() -> bytes:
    paras = "".join(f"<p>{BODY} Paragraph {i} adds detail.</p>" for i in range(6))
    table = (
        "<table><tr><th>Berth</th><th>Capacity</th></tr>"
        f"<tr><td>{TABLE_WORD} north berth</td><td>40000 tonnes</td></tr></table>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Quay</title></head>'
        f"<body><article><h1>Quay approved</h1>{paras}{table}{paras}</article></body></html>"
    ).encode()


def _crawl(tmp_path: Path, name: str, server: LocalServer, **crawler: object) -> str:
    url = f"sqlite:///{tmp_path / name}.db"
    config = make_config(url, {"Harbour News": server.url("/feed.xml")}, **crawler)
    engine = open_store(url)
    register(engine, config)
    crawl_once(engine, config)
    rows = article_rows(engine)
    engine.dispose()
    assert len(rows) == 1 and rows[0]["extraction"] == "page", rows
    return rows[0]["text"]


def test_extract_settings_change_what_the_crawl_stores(
    tmp_path: Path, local_server: LocalServer
) -> None:
    local_server.add("/robots.txt", (200, {"Content-Type": "text/plain"}, b""))
    local_server.add("/quay.html", (200, {"Content-Type": "text/html"}, _page()))
    item = {"title": "Quay approved", "link": local_server.url("/quay.html")}
    local_server.add("/feed.xml", (200, RSS_HEADERS, rss([item])))
    with_tables = _crawl(tmp_path, "tables", local_server, extract_include_tables=True)
    without = _crawl(tmp_path, "no-tables", local_server, extract_include_tables=False)
    assert TABLE_WORD in with_tables
    assert TABLE_WORD not in without
    assert BODY[:40] in without


def test_lang_settings_reach_imported_articles(tmp_path: Path, sqlite_engine: Engine) -> None:
    short = {"url": "https://example.org/a", "text": "Council approves the harbour budget."}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(short) + "\n", encoding="utf-8")
    strict = Config.model_validate({"crawler": {"lang_min_letters": 1000}}).crawler
    assert import_jsonl(sqlite_engine, path, strict).created == 1
    row = article_rows(sqlite_engine)[0]
    assert (row["lang"], row["lang_confidence"]) == (None, 0.0)  # too short under this setting
    other = {"url": "https://example.org/b", "text": "The city council approves the new budget."}
    path.write_text(json.dumps(other) + "\n")
    import_jsonl(sqlite_engine, path, Config().crawler)
    row = article_rows(sqlite_engine)[1]
    assert row["lang"] == "en" and row["lang_confidence"] > 0
