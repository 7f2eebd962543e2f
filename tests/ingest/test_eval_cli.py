"""`storyloom eval extraction DIR --json`: benchmark pages served locally and fetched through
the crawler's Fetcher score exactly what the same files read from disk score."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.config import Config
from ingest.eval_extraction import evaluate, load_ground_truth
from storyloom.cli import app

N_PAGES = 12


@pytest.fixture(scope="module")
def subset(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A benchmark folder with a fixed sample of the pages (links to ../shared, no copies)."""
    bench = shared_dir / "corpora" / "article-extraction-benchmark"
    if not bench.is_dir():
        pytest.skip(f"article-extraction-benchmark corpus not found at {bench}")
    truth = load_ground_truth(bench)
    ids = sorted(random.Random(3).sample(sorted(truth), N_PAGES))
    out = tmp_path_factory.mktemp("bench")
    (out / "html").mkdir()
    for i in ids:
        (out / "html" / f"{i}.html.gz").symlink_to(bench / "html" / f"{i}.html.gz")
    (out / "ground-truth.json").write_text(json.dumps({i: truth[i] for i in ids}))
    return out


def test_eval_extraction_json_through_the_fetch_path(
    subset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{tmp_path / "s.db"}"\n')  # loopback not allowed
    monkeypatch.setenv("STORYLOOM_CONFIG", str(cfg))
    res = CliRunner().invoke(
        app, ["--config", str(cfg), "eval", "extraction", str(subset), "--json"]
    )
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(got) == {"precision", "recall", "f1", "pages_per_s"}
    direct = asyncio.run(
        evaluate(subset, settings=Config().crawler, workers=2)
    )  # the same files read from disk
    for k in ("precision", "recall", "f1"):
        assert got[k] == pytest.approx(direct[k], abs=1e-9), k
    assert got["f1"] > 0.9 and got["pages_per_s"] > 0


def test_eval_extraction_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    from ingest.eval_cli import run_extraction_eval

    with pytest.raises(FileNotFoundError, match="needs ground-truth.json and an html/ folder"):
        run_extraction_eval(tmp_path, Config())
