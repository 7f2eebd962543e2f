"""Train → predict → save → load round trip on real embeddings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.artifacts import load_artifact, save_artifact
from models.classifier import train


def test_round_trip(uci, uci_settings, embed, tmp_path: Path) -> None:
    idx = np.arange(0, len(uci.texts), 7)
    texts = [uci.texts[i] for i in idx]
    labels = [uci.labels[i] for i in idx]
    model = train(texts, labels, embed, settings=uci_settings, embeddings=uci.embeddings[idx])
    probe = ["Apple unveils a new iPhone with a faster chip", "Fed holds interest rates steady"]
    preds = model.predict(probe, embed)
    assert [p[0] for p in preds] == ["science / technology", "business"]
    info = save_artifact(model, tmp_path, metrics={}, label_snapshot={})
    again = load_artifact(info.path, info.sha256)
    np.testing.assert_allclose(again.predict_proba(probe, embed), model.predict_proba(probe, embed))
