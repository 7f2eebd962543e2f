"""`storyloom eval clustering` on the whole UCI development file.

- `--folds 5 --json`: 5-fold cross-validation by story, weights and thresholds fitted on
  four folds and the fifth scored (a few minutes on two cores). The floors in
  eval_baseline.json are on the WORST held-out fold, just under what was measured when
  they were set: hidden data are other stories, and the worst fold predicts them best.
- `--folds 0 --json`: the whole file through the daemon's own stages (store, nlp, embed,
  cluster with consolidation), checked against the whole-file floor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clustering.embed import Embedder
from storyloom.cli import app
from tests.clustering.conftest import UCI

BASELINE = json.loads(Path(__file__).with_name("eval_baseline.json").read_text())


@pytest.fixture(scope="module")
def full_result(
    shared_dir: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """One CLI run over the file, shared by the checks below (embedding is the cost)."""
    tmp = tmp_path_factory.mktemp("uci")
    path = shared_dir / UCI
    if not path.is_file():
        pytest.skip(f"{path} not found: the clustering evaluation needs ../shared/data")
    config = tmp / "config.toml"
    config.write_text("# defaults only: the evaluation must not depend on a local config\n")
    return _run(config, path, "--folds", "0")


def _run(config: Path, path: Path, *args: str) -> dict:
    result = CliRunner().invoke(
        app, ["--config", str(config), "eval", "clustering", str(path), *args, "--json"]
    )
    assert result.exit_code == 0, result.output
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


@pytest.fixture(scope="module")
def cv_result(shared_dir: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory):
    """One 5-fold cross-validation over the file (features from the /tmp cache when there)."""
    path = shared_dir / UCI
    if not path.is_file():
        pytest.skip(f"{path} not found: the clustering evaluation needs ../shared/data")
    config = tmp_path_factory.mktemp("uci-cv") / "config.toml"
    config.write_text("# defaults only\n")
    res = _run(config, path, "--folds", "5")
    if out := os.environ.get("STORYLOOM_EVAL_JSON"):  # keep the figures for a report
        Path(out).write_text(json.dumps(res))
    return res


def test_cross_validation_report(cv_result: dict) -> None:
    assert cv_result["k"] == 5 and cv_result["fit"] is True
    folds = cv_result["folds"]
    assert [f["fold"] for f in folds] == list(range(5))
    assert sum(f["articles"] for f in folds) == BASELINE["full"]["articles"]
    assert sum(f["gold_stories"] for f in folds) == BASELINE["full"]["gold_stories"]
    for view in ("bcubed", "pairwise"):
        for m in ("precision", "recall", "f1"):
            assert cv_result[view]["worst"][m] == min(f[view][m] for f in folds)
            assert cv_result[view]["worst"][m] <= cv_result[view]["mean"][m]
    assert all("threshold" in f["fitted"] for f in folds)


def test_held_out_quality_floor_on_the_worst_fold(cv_result: dict) -> None:
    floor = BASELINE["floor"]["worst_fold"]
    got = {
        "bcubed_f1": cv_result["bcubed"]["worst"]["f1"],
        "pairwise_f1": cv_result["pairwise"]["worst"]["f1"],
        "pairwise_precision": cv_result["pairwise"]["worst"]["precision"],
    }
    for metric, minimum in floor.items():
        assert got[metric] >= minimum, (metric, got)


def test_cli_json_report_shape(full_result: dict) -> None:
    full = BASELINE["full"]
    for group in ("pairwise", "bcubed"):
        assert set(full_result[group]) == {"precision", "recall", "f1"}
        assert all(0.0 <= v <= 1.0 for v in full_result[group].values())
    assert full_result["gold_stories"] == full["gold_stories"]
    assert full_result["articles"] == full["articles"]
    assert full_result["unplaced"] == 0
    assert full_result["stories"] >= 1
    assert full_result["articles_per_s"] > 0


def test_whole_file_quality_floor(full_result: dict) -> None:
    floor = BASELINE["floor"]["whole_file"]
    got = {
        "bcubed_f1": full_result["bcubed"]["f1"],
        "pairwise_f1": full_result["pairwise"]["f1"],
    }
    for metric, minimum in floor.items():
        assert got[metric] >= minimum, (metric, got, BASELINE["full"])


def test_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("TITLE,STORY\nno timestamp column,s1\n")
    for folds in ("0", "5"):
        result = CliRunner().invoke(app, ["eval", "clustering", str(bad), "--folds", folds])
        assert result.exit_code == 2
        assert "TIMESTAMP" in result.output
    result = CliRunner().invoke(app, ["eval", "clustering", str(bad), "--folds", "1"])
    assert result.exit_code == 2 and "at least 2" in result.output
