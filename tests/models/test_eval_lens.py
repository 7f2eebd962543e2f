"""`storyloom eval lens`: story-grouped folds of a real retrain, lenses of few stories apart,
and the final model scored on another file; plus the pieces that keep it honest (no story on
both sides of a fold, an outlet prior that never sees its own story, a fitted temperature, a
queue that spreads over stories)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from scipy.special import softmax
from typer.testing import CliRunner

from models.evaluate import make_folds
from models.features import LensFeatures, TextBatch
from models.lensfile import UCI_LENSES, load_lens_file, stories_per_lens
from models.predict import spread_over_stories
from models.select import fit_temperature
from storyloom.cli import app

pytestmark = pytest.mark.usefixtures("keep_logging")


def test_uci_file_maps_codes_and_counts_stories(shared_dir: Path) -> None:
    items = load_lens_file(shared_dir / "data" / "uci-news-dev.csv")
    assert {it.lens for it in items} == set(UCI_LENSES.values())
    per = stories_per_lens(items)
    assert per["health"] == 1 and min(per[k] for k in per if k != "health") >= 3
    assert len({it.story for it in items}) == 44 and all(it.source for it in items[:50])


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _split_files(shared_dir: Path, tmp_path: Path) -> tuple[Path, Path, dict[str, set[str]]]:
    """Two JSONL files of UCI titles on disjoint stories: 20 titles per story, health (one
    story) only in the first file."""
    items = load_lens_file(shared_dir / "data" / "uci-news-dev.csv")
    by_story: dict[str, list] = {}
    for it in items:
        by_story.setdefault(it.story, []).append(it)
    per_lens: dict[str, list[str]] = {}
    for story, its in sorted(by_story.items()):
        per_lens.setdefault(its[0].lens, []).append(story)
    rng = random.Random(3)
    train, test, stories = [], [], {"train": set(), "test": set()}
    for _lens, names in sorted(per_lens.items()):
        rng.shuffle(names)
        cut = 1 if len(names) == 1 else len(names) - 3
        for side, part in (("train", names[: min(cut, 6)]), ("test", names[cut:])):
            for s in part:
                stories[side].add(s)
                rows = [
                    {"text": it.title, "lens": it.lens, "story": s, "source": it.source}
                    for it in by_story[s][:20]
                ]
                (train if side == "train" else test).extend(rows)
    return (
        _write_jsonl(tmp_path / "train.jsonl", train),
        _write_jsonl(tmp_path / "test.jsonl", test),
        stories,
    )


def test_cli_eval_lens_folds_worst_and_test_file(shared_dir: Path, tmp_path: Path) -> None:
    train, test, stories = _split_files(shared_dir, tmp_path)
    assert not stories["train"] & stories["test"]
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lenses]\neval_cache_dir = "{tmp_path / "cache"}"\n')
    args = ["--config", str(cfg), "eval", "lens", str(train), "--test", str(test), "--folds", "3"]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert set(out) == {"folds", "worst", "test"}
    assert set(out["test"]) == {"macro_f1", "per_label", "labels_scored"}
    assert len(out["folds"]) == 3
    f1s = [f["macro_f1"] for f in out["folds"]]
    assert out["worst"]["macro_f1"] == min(f1s) and all(0 <= f <= 1 for f in f1s)
    t = out["test"]
    assert set(t["labels_scored"]) == {"business", "entertainment", "science / technology"}
    assert set(t["per_label"]) == set(t["labels_scored"])
    assert t["macro_f1"] == pytest.approx(
        np.mean([t["per_label"][k]["f1"] for k in t["per_label"]])
    )
    assert t["macro_f1"] > 0.5  # far above chance (1/3) on stories it never saw
    assert (tmp_path / "cache").is_dir()  # embeddings cached for the next run

    text = CliRunner(env={"COLUMNS": "160"}).invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "worst fold" in text.output
    # health is one story in train and absent from test: reported apart, never averaged
    assert "reported apart (too few stories to judge): health (1 stories)" in text.output
    assert "science / technology" in text.output.split("worst fold")[1].split("reported")[0]
    assert "test macro-F1" in text.output


def test_cli_eval_lens_refuses_unknown_lenses(tmp_path: Path) -> None:
    bad = _write_jsonl(tmp_path / "bad.jsonl", [{"text": "x", "lens": "poetry", "story": "s"}])
    res = CliRunner().invoke(app, ["eval", "lens", str(bad)])
    assert res.exit_code == 2 and "not in the taxonomy" in res.output


def test_folds_never_split_a_story() -> None:
    rng = random.Random(0)
    truth, groups = {}, {}
    for a in range(300):
        s = rng.randrange(25)
        truth[a], groups[a] = ["x", "y", "z"][s % 3], f"s{s}"
    folds = make_folds(truth, groups, 5, 0)
    assert len(folds) == 5 and sorted(a for f in folds for a in f) == sorted(truth)
    seen = [{groups[a] for a in f} for f in folds]
    for i in range(5):
        for j in range(i + 1, 5):
            assert not seen[i] & seen[j]


def test_outlet_prior_leaves_each_training_row_own_story_out() -> None:
    """Outlet X is seen only in story s1 (lens a): its training rows get no prior from their
    own labels, but a new story of X leans to a."""
    texts = ["one", "two", "three", "four", "five", "six"]
    outlets = ["X", "X", "Y", "Y", "Z", "Z"]
    groups = ["s1", "s1", "s2", "s3", "s4", "s4"]
    y = ["a", "a", "b", "b", "a", "b"]
    emb = np.eye(6, 4, dtype=np.float32)
    batch = TextBatch(texts, emb, outlets, groups)
    feats = LensFeatures(outlet_weight=1.0, prior_strength=1.0)
    train_x = feats.fit_transform(batch, y).toarray()[:, -2:]
    assert np.allclose(train_x[:2], 0)  # X: only its own story, so nothing to go on
    assert train_x[2, 1] > 0 and train_x[3, 1] > 0  # Y's other story says b
    new = feats.transform(TextBatch(["seven"], emb[:1], ["X"], ["s9"])).toarray()[0, -2:]
    assert new[0] > 0 > new[1]


def test_temperature_is_recovered_from_out_of_fold_logits() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(4000, 4))
    y = np.array([rng.choice(4, p=p) for p in softmax(z / 2.0, axis=1)])
    assert fit_temperature(z, y, (0.05, 20.0)) == pytest.approx(2.0, rel=0.1)


def test_queue_spreads_over_stories() -> None:
    rows = [
        {"article_id": 1, "uncertainty": 0.9, "story_group": "story:1"},
        {"article_id": 2, "uncertainty": 0.85, "story_group": "story:1"},
        {"article_id": 3, "uncertainty": 0.8, "story_group": "story:1"},
        {"article_id": 4, "uncertainty": 0.6, "story_group": "story:2"},
        {"article_id": 5, "uncertainty": 0.5, "story_group": "story:3"},
    ]
    got = [r["article_id"] for r in spread_over_stories([dict(r) for r in rows], {}, 0.5)]
    assert got == [1, 4, 5, 2, 3]
    labelled = {"story:2": 3}  # story 2 is well labelled already: it comes late
    got = [r["article_id"] for r in spread_over_stories([dict(r) for r in rows], labelled, 0.5)]
    assert got.index(4) > got.index(5)
    plain = [r["article_id"] for r in spread_over_stories([dict(r) for r in rows], {}, 1.0)]
    assert plain == [1, 2, 3, 4, 5]
