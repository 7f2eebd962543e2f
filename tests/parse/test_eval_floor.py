"""Extraction quality floor on a fixed subset of the benchmark (regressions fail CI).

The floor lives in eval_baseline.json; it is set just under the figure measured when it was
last raised. Never lower it silently: a lower floor needs a reason in the commit message.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from core.settings.crawler import CrawlerSettings
from ingest.eval_extraction import evaluate, load_ground_truth, token_prf

BASELINE = json.loads((Path(__file__).with_name("eval_baseline.json")).read_text())


def test_token_prf_definition() -> None:
    assert token_prf("a b c", "a b c") == (1.0, 1.0, 1.0)
    assert token_prf("", "") == (1.0, 1.0, 1.0)
    assert token_prf("", "a b") == (0.0, 0.0, 0.0)
    p, r, f = token_prf("the cat, the hat!", "the cat sat")  # bag: the x2 cat hat / the cat sat
    assert (p, r) == (2 / 4, 2 / 3)
    assert abs(f - 2 * p * r / (p + r)) < 1e-12
    assert token_prf("Über café", "über café")[0] == 0.5  # case is kept, Unicode words count


def test_extraction_quality_floor(bench_dir: Path) -> None:
    subset = BASELINE["subset"]
    ids = sorted(load_ground_truth(bench_dir))[subset["start"] : subset["start"] + subset["size"]]
    result = asyncio.run(evaluate(bench_dir, settings=CrawlerSettings(), workers=2, ids=ids))
    assert result["pages"] == subset["size"] and result["failures"] == 0
    for metric in ("precision", "recall", "f1"):
        assert result[metric] >= BASELINE["floor"][metric], (metric, result, BASELINE)
