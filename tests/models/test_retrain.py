"""Retrain on a real SQLite store: promotion on the same folds, rollback, refused artifacts,
editor labels that no model overwrites, and the daemon's background retrain."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pytest
from sqlalchemy import select, update

from models.background import BackgroundRetrain
from models.errors import ArtifactError, LensError
from models.predict import predict_missing, shown_lenses
from models.registry import activate, get_version
from models.retrain import retrain
from models.stage import label_queue, list_model_versions, set_label
from store.schema import labels, lens_predictions, model_versions
from store.takes import active_model
from tests.models.conftest import store_takes, uci_config

POOL = 500  # takes in the store
LABELLED = 300  # of which the "editors" label this many


@pytest.fixture
def desk(uci, sqlite_engine, sqlite_url, tmp_path):
    """A store with POOL takes, LABELLED of them labelled with their UCI category."""
    config = uci_config(tmp_path, sqlite_url, cv_folds=3)
    pool = uci.pool[:POOL]
    ids = store_takes(sqlite_engine, uci, pool)
    for i in pool[:LABELLED]:
        set_label(sqlite_engine, ids[i], uci.labels[i], None)
    return sqlite_engine, config, ids, pool


def _predictions(engine) -> dict[int, tuple[str, str, float]]:
    with engine.connect() as conn:
        rows = conn.execute(select(lens_predictions))
        return {r.article_id: (r.model_version, r.lens, r.confidence) for r in rows}


def test_promotion_only_when_better_on_same_folds_and_rollback(uci, desk) -> None:
    engine, config, ids, pool = desk
    few = {ids[i]: uci.labels[i] for i in pool[:40]}
    first = retrain(engine, config, progress=False, training_labels=few)
    assert first["promoted"] and "first model" in first["reason"]

    full = retrain(engine, config, progress=False)
    assert full["promoted"], full["reason"]
    assert full["active_version"] == first["version"]
    assert full["macro_f1"] > full["active_macro_f1"]  # same folds, measured against v1's recipe
    assert active_model(engine)["version"] == full["version"]

    # Fewer labels, a third of them flipped to a wrong lens: evaluated on the same folds against
    # every editor label, it must lose to the active model and leave it in place.
    rng = random.Random(3)
    lenses = sorted(set(uci.labels))
    noisy = {}
    for i in pool[:150]:
        lab = uci.labels[i]
        noisy[ids[i]] = rng.choice([x for x in lenses if x != lab]) if rng.random() < 0.33 else lab
    worse = retrain(engine, config, progress=False, training_labels=noisy)
    assert not worse["promoted"]
    assert worse["macro_f1"] < worse["active_macro_f1"]
    assert "does not beat" in worse["reason"] and full["version"] in worse["reason"]
    assert active_model(engine)["version"] == full["version"]
    row = get_version(engine, worse["version"])
    assert row["note"] == worse["reason"] and not row["active"]
    assert Path(row["path"]).is_file()  # saved anyway, for inspection or a manual activate

    # Metrics, snapshot, hash and the confusion matrix are recorded with each version.
    v = get_version(engine, full["version"])
    assert v["n_labels"] == LABELLED and len(v["label_snapshot"]) == LABELLED
    assert set(v["metrics"]["per_lens"]) == set(lenses)
    assert v["metrics"]["cv_folds"] == 3 and len(v["sha256"]) == 64
    # Whole stories held out: every fold's score recorded, the worst beside the pooled figure,
    # and what the story-grouped inner folds chose, with the fitted temperature.
    folds = v["metrics"]["folds"]
    assert len(folds) == 3 and sum(f["n"] for f in folds) == LABELLED
    assert v["metrics"]["worst_fold_macro_f1"] == min(f["macro_f1"] for f in folds)
    assert "story-grouped" in full["reason"]
    chosen = v["metrics"]["training"]["chosen"]
    assert v["metrics"]["training"]["calibration"] == "temperature"
    assert chosen["inner_folds"] == 3 and chosen["temperature"] > 0
    assert chosen["c"] in config.lenses.c_grid
    png = Path(v["metrics"]["confusion_png"])
    assert png.read_bytes().startswith(b"\x89PNG")
    listed = {r["version"]: r for r in list_model_versions(engine)}
    assert listed[full["version"]]["confusion_png"] == str(png)

    # Predictions carry the active version; a rollback re-predicts every take with the old one.
    predict_missing(engine, config, active_model(engine))
    assert {v for v, _, _ in _predictions(engine).values()} == {full["version"]}
    assert predict_missing(engine, config, active_model(engine))["predicted"] == 0  # idempotent
    activate(engine, first["version"], taxonomy=config.lenses.taxonomy)
    assert active_model(engine)["version"] == first["version"]
    again = predict_missing(engine, config, active_model(engine))
    assert again["predicted"] == POOL - LABELLED
    assert {v for v, _, _ in _predictions(engine).values()} == {first["version"]}
    with pytest.raises(LookupError, match="no model version"):
        activate(engine, "v99-20260101-abcdef")


def test_corrupt_or_foreign_artifact_is_refused(uci, desk) -> None:
    engine, config, ids, pool = desk
    good = retrain(
        engine, config, progress=False, training_labels={ids[i]: uci.labels[i] for i in pool[:60]}
    )
    other = retrain(
        engine, config, progress=False, training_labels={ids[i]: uci.labels[i] for i in pool[:30]}
    )
    assert good["promoted"] and not other["promoted"]
    row = get_version(engine, other["version"])
    path = Path(row["path"])

    # One flipped byte: the hash no longer matches, so it is never unpickled or activated.
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="sha256"):
        activate(engine, other["version"], taxonomy=config.lenses.taxonomy)
    assert active_model(engine)["version"] == good["version"]

    # A foreign pickle whose hash was (maliciously) recorded: refused by its missing header.
    import hashlib

    foreign = pickle.dumps({"not": "a lens model"})
    path.write_bytes(foreign)
    with engine.begin() as conn:
        conn.execute(
            update(model_versions)
            .where(model_versions.c.version == other["version"])
            .values(sha256=hashlib.sha256(foreign).hexdigest())
        )
    with pytest.raises(ArtifactError, match="not a storyloom lens artifact"):
        activate(engine, other["version"], taxonomy=config.lenses.taxonomy)

    # The active artifact itself corrupted on disk: the stage reports it, never crashes, and
    # the label queue falls back to its plain order.
    active_path = Path(get_version(engine, good["version"])["path"])
    active_path.write_bytes(active_path.read_bytes()[:-10])
    from models.registry import _cache

    _cache.clear()  # a fresh process: nothing loaded yet
    out = predict_missing(engine, config, active_model(engine))
    assert out["predicted"] == 0 and "sha256" in out["error"]
    assert "artifact refused" in get_version(engine, good["version"])["note"]
    assert len(label_queue(engine, config, limit=5)) == 5
    retrained = retrain(engine, config, progress=False)  # an unusable active model is replaced
    assert retrained["promoted"] and "unusable" in retrained["reason"]


def test_editor_label_is_never_overwritten(uci, desk) -> None:
    engine, config, ids, pool = desk
    res = retrain(engine, config, progress=False)
    predict_missing(engine, config, active_model(engine))
    preds = _predictions(engine)
    labelled = {ids[i] for i in pool[:LABELLED]}
    assert not (set(preds) & labelled)  # labelled takes are not predicted at all

    # An editor overrides a confident prediction with another lens.
    aid = max((a for a in preds), key=lambda a: preds[a][2])
    model_lens = preds[aid][1]
    editor_lens = next(x for x in config.lenses.taxonomy if x != model_lens)
    set_label(engine, aid, editor_lens, None)
    shown = shown_lenses(engine, config, [aid, ids[pool[-1]]])
    assert shown[aid] == {
        "lens": editor_lens,
        "provenance": "editor",
        "confidence": None,
        "model_version": None,
    }
    other = shown[ids[pool[-1]]]
    assert other["provenance"] in {"model", "none"}
    if other["provenance"] == "model":
        assert other["model_version"] == res["version"] and other["confidence"] >= 0.5

    # A new model and a rollback later, the editor's label still stands and is not re-predicted.
    newer = retrain(engine, config, progress=False)
    activate(engine, newer["version"], taxonomy=config.lenses.taxonomy)
    predict_missing(engine, config, active_model(engine))
    assert _predictions(engine)[aid][0] == res["version"]  # untouched since the label
    with engine.connect() as conn:
        values = conn.execute(
            select(labels.c.value).where(labels.c.article_id == aid, labels.c.kind == "lens")
        ).scalars()
        assert list(values) == [editor_lens]
    assert shown_lenses(engine, config, [aid])[aid]["provenance"] == "editor"
    assert aid not in {t["article_id"] for t in label_queue(engine, config, limit=500)}


def test_too_few_labels_is_a_clear_error(uci, sqlite_engine, sqlite_url, tmp_path) -> None:
    config = uci_config(tmp_path, sqlite_url)
    ids = store_takes(sqlite_engine, uci, uci.pool[:30])
    for i in uci.pool[:5]:
        set_label(sqlite_engine, ids[i], uci.labels[i], None)
    with pytest.raises(LensError, match="needs at least 20"):
        retrain(sqlite_engine, config, progress=False)
    assert list_model_versions(sqlite_engine) == []


def test_background_retrain_after_n_new_labels(uci, sqlite_engine, sqlite_url, tmp_path) -> None:
    config = uci_config(tmp_path, sqlite_url, retrain_after=40, cv_folds=3)
    pool = uci.pool[:120]
    ids = store_takes(sqlite_engine, uci, pool)
    bg = BackgroundRetrain(sqlite_engine, config)
    for i in pool[:39]:
        set_label(sqlite_engine, ids[i], uci.labels[i], None)
    assert bg.maybe_start() is False  # 39 < 40
    set_label(sqlite_engine, ids[pool[39]], uci.labels[pool[39]], None)
    assert bg.maybe_start() is True
    assert bg.maybe_start() is False  # one at a time
    assert bg.wait(timeout=120)
    (v,) = list_model_versions(sqlite_engine)
    assert v["active"] and v["n_labels"] == 40
    assert bg.maybe_start() is False  # nothing new since
    for i in pool[40:80]:
        set_label(sqlite_engine, ids[i], uci.labels[i], None)
    assert bg.maybe_start() is True
    assert bg.wait(timeout=120)
    assert len(list_model_versions(sqlite_engine)) == 2


def test_artifact_manifest_matches_the_store(uci, desk) -> None:
    engine, config, ids, pool = desk
    res = retrain(
        engine, config, progress=False, training_labels={ids[i]: uci.labels[i] for i in pool[:80]}
    )
    row = get_version(engine, res["version"])
    manifest = json.loads(Path(row["path"]).with_suffix(".json").read_text())
    assert manifest["sha256"] == row["sha256"] and manifest["version"] == res["version"]
    assert manifest["label_snapshot"] == {str(k): v for k, v in row["label_snapshot"].items()}
    assert manifest["attachments"][".confusion.png"] == res["confusion_png"]
