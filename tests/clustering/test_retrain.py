"""`retrain-clustering` on a real store: editor merges of fragmented stories become the
labelled set; weights that beat the active ones on held-out story folds are promoted and
then used by the cluster stage; a retrain that does not beat them is kept but not used."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from clustering.editor import merge_stories
from clustering.retrain import ClusteringRetrainError, learned_settings, retrain_clustering
from core.config import Config
from store.schema import audit_log
from storyloom.cli import app
from tests.clustering.test_editor import BANK, POT, SNOWDEN, T0, _add, _process, _story_of


def _fragmented(engine: Engine, tmp_path: Path) -> tuple[Config, dict[str, list[int]]]:
    """A join threshold nobody reaches and no consolidation: one story per article."""
    config = Config()
    config.clustering.threshold = 50.0
    config.clustering.consolidate_every = 0
    config.clustering.weights_dir = str(tmp_path / "weights")
    ids = {
        "bank": _add(engine, BANK, T0),
        "snowden": _add(engine, SNOWDEN, T0 + timedelta(hours=1)),
        "pot": _add(engine, POT, T0 + timedelta(hours=2)),
    }
    _process(engine, config)
    return config, ids


def _editor_merges(engine: Engine, config: Config, ids: dict[str, list[int]]) -> None:
    member = _story_of(engine)
    for aids in ids.values():
        keep = member[aids[0]][0]
        for aid in aids[1:]:
            merge_stories(engine, keep, member[aid][0], user_id=None, config=config)


def test_too_few_editor_decisions_is_a_clear_error(engine: Engine, embedder, tmp_path) -> None:
    config, _ = _fragmented(engine, tmp_path)
    with pytest.raises(ClusteringRetrainError, match="at least 2"):
        retrain_clustering(engine, config)


def test_retrain_promotes_only_when_held_out_score_is_better(
    engine: Engine, embedder, tmp_path: Path
) -> None:
    config, ids = _fragmented(engine, tmp_path)
    assert len({s for s, _ in _story_of(engine).values()}) == len(BANK) + len(SNOWDEN) + len(POT)
    _editor_merges(engine, config, ids)

    first = retrain_clustering(engine, config)
    assert first["promoted"], first["reason"]
    assert first["candidate"] > first["active"] and "beats" in first["reason"]
    assert first["stories"] == 3 and first["articles"] == 10 and first["folds"] == 3
    weights = Path(config.clustering.weights_dir)
    saved = json.loads((weights / "v1.json").read_text())
    assert saved["promoted"] and json.loads((weights / "active.json").read_text()) == saved
    learned = learned_settings(config.clustering)
    assert learned.threshold < 50.0 and learned.w_title != config.clustering.w_title

    # The stage now clusters with the learned weights: a new Bank headline joins its story.
    bank_story = _story_of(engine)[ids["bank"][0]][0]
    [later] = _add(engine, BANK[:1], T0 + timedelta(hours=3))
    _process(engine, config)
    assert _story_of(engine)[later][0] == bank_story

    # Retraining on the same decisions cannot beat the weights fitted on all of them.
    second = retrain_clustering(engine, config)
    assert not second["promoted"] and "does not beat" in second["reason"]
    assert (weights / "v2.json").is_file()
    assert json.loads((weights / "active.json").read_text())["version"] == "v1"
    with engine.connect() as conn:
        audits = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "cluster.retrain")
        ).all()
    assert [a.detail["version"] for a in audits] == ["v1", "v2"]


def test_cli_reports_the_verdict(sqlite_engine: Engine, embedder, tmp_path: Path) -> None:
    engine = sqlite_engine
    config, ids = _fragmented(engine, tmp_path)
    _editor_merges(engine, config, ids)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[storage]\nurl = "{engine.url.render_as_string(hide_password=False)}"\n'
        "[clustering]\nthreshold = 50.0\nconsolidate_every = 0\n"
        f'weights_dir = "{config.clustering.weights_dir}"\n'
    )
    result = CliRunner().invoke(app, ["--config", str(cfg), "retrain-clustering", "--json"])
    assert result.exit_code == 0, result.output
    res = json.loads([ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1])
    assert res["version"] == "v1" and res["promoted"] is True, res["reason"]
