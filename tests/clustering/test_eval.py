"""`storyloom eval clustering --json` on the whole UCI development file, through the
daemon's stages (about a minute and a half on two cores).

The floor in eval_baseline.json sits just under the score measured when it was set, so a
change that makes clustering worse fails here. The whole file, not a slice: consolidation
(merging fragments across time) only shows on enough interleaved stories.
"""

from __future__ import annotations

import json
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
    result = CliRunner().invoke(
        app, ["--config", str(config), "eval", "clustering", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


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


def test_clustering_quality_floor(full_result: dict) -> None:
    floor = BASELINE["floor"]
    got = {
        "bcubed_f1": full_result["bcubed"]["f1"],
        "pairwise_f1": full_result["pairwise"]["f1"],
    }
    for metric, minimum in floor.items():
        assert got[metric] >= minimum, (metric, got, BASELINE["full"])


def test_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("TITLE,STORY\nno timestamp column,s1\n")
    result = CliRunner().invoke(app, ["eval", "clustering", str(bad), "--json"])
    assert result.exit_code == 2
    assert "TIMESTAMP" in result.output
