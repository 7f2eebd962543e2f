"""A language whose spaCy pipeline cannot load (its tokenizer's package is not installed)
fails its own texts only, not the batch they came in (which the stage used to redo article
by article, without the worker's NLP pool)."""

from __future__ import annotations

import importlib.util

import pytest

from core.settings.nlp import NlpSettings
from nlp.analyse import analyse_texts


@pytest.mark.skipif(
    importlib.util.find_spec("sudachipy") is not None, reason="Japanese support is installed"
)
def test_an_unloadable_pipeline_fails_its_texts_only() -> None:
    settings = NlpSettings(n_process=1)
    texts = ["The port of Almira reopened on Monday after the storm.", "港は月曜日に再開した。"]
    out = analyse_texts(texts, ["en", "ja"], settings)
    assert out[0]["status"] == "ok" and out[0]["entities"]
    assert out[1]["status"] == "error" and "cannot load" in out[1]["note"]
