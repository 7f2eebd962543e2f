"""`storyloom eval clustering --json` on a UCI slice, through the daemon's stages.

The slice is the gold stories whose md5 bucket is BASELINE["subset"]; the floor in
eval_baseline.json sits just under the score measured when it was set, so a change that
makes clustering worse fails here. The full-file figures are in the baseline's "full"
entry, measured with the same configuration by `storyloom eval clustering` (minutes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clustering.embed import Embedder
from storyloom.cli import app
from tests.clustering.conftest import write_uci_subset

BASELINE = json.loads(Path(__file__).with_name("eval_baseline.json").read_text())


@pytest.fixture(scope="module")
def subset_result(
    shared_dir: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """One CLI run over the slice, shared by the checks below (embedding is the cost)."""
    tmp = tmp_path_factory.mktemp("uci")
    sub = BASELINE["subset"]
    path = write_uci_subset(shared_dir, tmp / "uci-subset.csv", sub["buckets"], sub["keep"])
    config = tmp / "config.toml"
    config.write_text("# defaults only: the evaluation must not depend on a local config\n")
    result = CliRunner().invoke(
        app, ["--config", str(config), "eval", "clustering", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def test_cli_json_report_shape(subset_result: dict) -> None:
    sub = BASELINE["subset"]
    for group in ("pairwise", "bcubed"):
        assert set(subset_result[group]) == {"precision", "recall", "f1"}
        assert all(0.0 <= v <= 1.0 for v in subset_result[group].values())
    assert subset_result["gold_stories"] == sub["gold_stories"]
    assert subset_result["articles"] == sub["articles"]
    assert subset_result["unplaced"] == 0
    assert subset_result["stories"] >= 1
    assert subset_result["articles_per_s"] > 0


def test_clustering_quality_floor(subset_result: dict) -> None:
    floor = BASELINE["floor"]
    got = {
        "bcubed_f1": subset_result["bcubed"]["f1"],
        "pairwise_f1": subset_result["pairwise"]["f1"],
    }
    for metric, minimum in floor.items():
        assert got[metric] >= minimum, (metric, got, BASELINE["measured"])


def test_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("TITLE,STORY\nno timestamp column,s1\n")
    result = CliRunner().invoke(app, ["eval", "clustering", str(bad), "--json"])
    assert result.exit_code == 2
    assert "TIMESTAMP" in result.output
