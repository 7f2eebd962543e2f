"""`storyloom retrain`, `storyloom models [activate]` and `storyloom label-queue` end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.stage import set_label
from store.takes import active_model
from storyloom.cli import app
from tests.models.conftest import UCI_LENSES, store_takes

pytestmark = pytest.mark.usefixtures("keep_logging")


@pytest.fixture
def cli_desk(uci, sqlite_engine, sqlite_url, tmp_path):
    cfg = tmp_path / "config.toml"
    lenses = ", ".join(f'"{x}"' for x in UCI_LENSES.values())
    cfg.write_text(
        f'[storage]\nurl = "{sqlite_url}"\n\n'
        f'[lenses]\ntaxonomy = [{lenses}]\nartifacts_dir = "{tmp_path / "models"}"\n'
        "cv_folds = 3\n"
    )
    pool = uci.pool[:160]
    ids = store_takes(sqlite_engine, uci, pool)
    for i in pool[:100]:
        set_label(sqlite_engine, ids[i], uci.labels[i], None)
    return cfg, sqlite_engine


def run(cfg: Path, *args: str):
    return CliRunner(env={"COLUMNS": "160"}).invoke(app, ["--config", str(cfg), *args])


def test_cli_retrain_models_activate_and_queue(cli_desk) -> None:
    cfg, engine = cli_desk
    empty = run(cfg, "models")
    assert empty.exit_code == 0 and "No lens model yet" in empty.output

    first = run(cfg, "retrain", "--quiet")
    assert first.exit_code == 0, first.output
    assert "promoted" in first.output and "first model" in first.output
    assert "macro-F1" in first.output and "health" in first.output
    v1 = active_model(engine)["version"]

    second = run(cfg, "retrain", "--quiet")  # same labels, same settings: nothing to gain
    assert second.exit_code == 0, second.output
    assert "not promoted" in second.output and "does not beat" in second.output
    assert active_model(engine)["version"] == v1

    listing = run(cfg, "models")
    assert listing.exit_code == 0
    assert v1 in listing.output and "✔" in listing.output and "macro-F1" in listing.output
    v2 = next(w for w in listing.output.split() if w.startswith("v2-"))

    rolled = run(cfg, "models", "activate", v2)
    assert rolled.exit_code == 0, rolled.output
    assert active_model(engine)["version"] == v2

    unknown = run(cfg, "models", "activate", "v9-20260101-000000")
    assert unknown.exit_code == 1 and "no model version" in unknown.output
    assert active_model(engine)["version"] == v2

    queue = run(cfg, "label-queue", "--limit", "5")
    assert queue.exit_code == 0, queue.output
    lines = [ln for ln in queue.output.splitlines() if ln.strip()[:1] == "│"]
    assert len(lines) == 5  # five takes, least sure first


def test_cli_retrain_with_too_few_labels(uci, sqlite_engine, sqlite_url, tmp_path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "{sqlite_url}"\n')
    res = run(cfg, "retrain", "--quiet")
    assert res.exit_code == 1 and "Cannot retrain" in res.output and "needs at least" in res.output
