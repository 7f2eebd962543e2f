"""Hostile import lines are reported and skipped, and the import always reaches the end.

Each bad line sits between good ones; the good line after it must be stored, on SQLite and
on PostgreSQL (which refuses NUL in text and too-long values, unlike SQLite).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select

from core.settings.crawler import CrawlerSettings
from ingest.importer import import_jsonl
from store.db import open_store
from store.schema import articles

CRAWLER = CrawlerSettings()
TEXT = "Port workers in Rotterdam began a strike on Monday over pay and conditions. " * 3


def _good(i: int) -> str:
    return json.dumps({"url": f"https://news.example/{i}", "text": f"{TEXT} Item {i}."})


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stored(engine: Engine) -> dict[str, dict]:
    with engine.connect() as c:
        return {r.url: dict(r._mapping) for r in c.execute(select(articles))}


def test_bad_types_are_reported_per_line_and_the_rest_imported(engine, tmp_path) -> None:
    base = {"url": "https://news.example/x", "text": TEXT}
    lines = [
        _good(1),
        json.dumps({**base, "source": {"x": 1}}),  # was TypeError: unhashable type: 'dict'
        _good(2),
        json.dumps({**base, "url": "https://news.example/y", "title": ["a", "b"]}),
        _good(3),
        json.dumps({**base, "url": "https://news.example/z", "published": True}),
        json.dumps([1, 2]),
        _good(4),
    ]
    report = import_jsonl(engine, _write(tmp_path, lines), CRAWLER)
    errors = dict(report.errors)
    assert set(errors) == {2, 4, 6, 7}, report.errors
    assert "'source'" in errors[2] and "dict" in errors[2]
    assert "'title'" in errors[4] and "list" in errors[4]
    assert "'published'" in errors[6]
    assert report.created == 4
    assert {f"https://news.example/{i}" for i in (1, 2, 3, 4)} == set(_stored(engine))


def test_lone_surrogates_and_nul_are_removed_and_said(engine, tmp_path) -> None:
    lines = [
        # json.dumps writes the escape \ud800 as the file would hold it
        json.dumps(
            {
                "url": "https://news.example/sur",
                "title": "Strike \ud800 spreads",
                "text": TEXT + " \udfff end.",
                "source": "Wire\x00 Service",
            }
        ),
        json.dumps({"url": "https://news.example/nul", "text": TEXT + "\x00 hidden NUL."}),
        _good(9),
    ]
    report = import_jsonl(engine, _write(tmp_path, lines), CRAWLER)
    assert report.errors == []
    assert report.created == 3
    rows = _stored(engine)
    assert rows["https://news.example/sur"]["title"] == "Strike  spreads"
    assert "\udfff" not in rows["https://news.example/sur"]["text"]
    assert rows["https://news.example/sur"]["source_name"] == "Wire Service"
    assert "\x00" not in rows["https://news.example/nul"]["text"]
    notes = report.warnings
    assert (1, "title: removed 1 lone surrogate(s)") in notes
    assert (1, "text: removed 1 lone surrogate(s)") in notes
    assert (1, "source: removed 1 NUL byte(s)") in notes
    assert (2, "text: removed 1 NUL byte(s)") in notes


def test_a_database_error_on_one_line_names_the_line(pg_engine, tmp_path) -> None:
    """region is VARCHAR(16): PostgreSQL refuses a longer one; the next line still lands."""
    lines = [
        json.dumps({"url": "https://news.example/r", "text": TEXT, "region": "R" * 40}),
        _good(5),
    ]
    report = import_jsonl(pg_engine, _write(tmp_path, lines), CRAWLER)
    assert [n for n, _ in report.errors] == [1]
    assert "the store refused it" in report.errors[0][1]
    assert set(_stored(pg_engine)) == {"https://news.example/5"}


def test_import_cli_prints_errors_and_notes_with_line_numbers(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from storyloom.cli import app

    db = tmp_path / "s.db"
    open_store(f"sqlite:///{db}").dispose()  # `storyloom init`'s job: import only checks
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    lines = [json.dumps({"url": "https://news.example/a", "text": TEXT, "title": ["a"]})]
    lines.append(json.dumps({"url": "https://news.example/b", "text": TEXT + "\x00"}))
    path = _write(tmp_path, lines)
    res = CliRunner().invoke(app, ["--config", str(cfg), "import", str(path)])
    assert res.exit_code == 0, res.output
    assert f"{path}:1: field 'title' must be a string" in res.output
    assert f"{path}:2: text: removed 1 NUL byte(s)" in res.output
    assert "imported 1 new, 0 already known, 1 bad lines" in res.output
