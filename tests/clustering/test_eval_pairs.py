"""`storyloom eval pairs FILE --json` through the real CLI: the issue's schema, real and
machine-translated pairs apart, per language pair, the decision's P/R/F1 and Pearson."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clustering.eval_pairs import PairScore, load_pairs, same_story_prf
from storyloom.cli import app
from tests.clustering.xling_corpus import ARTICLES


def _pair(a: dict, b: dict, overall: float, kind: str = "orig") -> dict:
    return {
        "id1": a["url"],
        "id2": b["url"],
        "lang1": a["lang"],
        "lang2": b["lang"],
        "title1": a["title"],
        "text1": a["text"],
        "title2": b["title"],
        "text2": b["text"],
        "overall": overall,
        "kind": kind,
    }


def test_eval_pairs_json_schema_and_cross_lingual_decisions(tmp_path: Path) -> None:
    en1, en2, de_same, de_other = ARTICLES
    rows = [
        _pair(de_same, en1, 1.0),
        _pair(de_same, en2, 1.0),
        _pair(de_other, en1, 4.0),
        _pair(de_other, en2, 4.0),
        _pair(en2, en1, 1.0),
        _pair(de_other, de_same, 4.0),
        _pair(en1, de_same, 1.0, kind="mt_translated"),
        _pair(en1, de_other, 4.0, kind="mt_translated"),
        _pair(en2, de_other, 3.0, kind="mt_translated"),
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = tmp_path / "config.toml"
    config.write_text("# defaults\n")
    res = CliRunner().invoke(app, ["--config", str(config), "eval", "pairs", str(path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads([ln for ln in res.stdout.splitlines() if ln.startswith("{")][-1])
    assert set(out) == {"real", "machine_translated"}
    for group in out.values():
        assert set(group) == {"pearson", "same_story", "by_pair"}
        assert {"precision", "recall", "f1"} <= set(group["same_story"])
    real = out["real"]
    assert set(real["by_pair"]) == {"de-en", "en-en", "de-de"}
    de_en = real["by_pair"]["de-en"]
    assert de_en["n"] == 4
    assert de_en["pearson"] > 0.9  # the German report scores far above the concert
    assert de_en["same_story"]["f1"] == 1.0  # and is the only German article that joins
    assert real["same_story"]["f1"] == 1.0
    assert out["machine_translated"]["by_pair"]["de-en"]["n"] == 3


def test_same_story_leaves_unsure_pairs_out(tmp_path: Path) -> None:
    en1, en2, *_ = ARTICLES
    path = tmp_path / "p.jsonl"
    path.write_text(
        "".join(json.dumps(_pair(en1, en2, o)) + "\n" for o in (1.0, 2.0, 4.0, 1.5, 2.5))
    )
    pairs = load_pairs(path)
    joined = [PairScore(p, 0.0, True, {}) for p in pairs]  # every pair joined
    prf = same_story_prf(joined)
    assert prf["n"] == 4  # overall 2.0 is between the bounds: left out
    assert prf["precision"] == 0.5 and prf["recall"] == 1.0


def test_bad_pairs_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id1": "a"}\n')
    res = CliRunner().invoke(app, ["eval", "pairs", str(bad), "--json"])
    assert res.exit_code == 2
    assert "lacks" in res.output
