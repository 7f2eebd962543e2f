"""n_process=2 splits work across forked workers and gives exactly the in-process results."""

from __future__ import annotations

from core.settings.nlp import NlpSettings
from nlp.analyse import analyse_texts


def test_two_processes_match_one(gold: dict[str, str], nlp_settings: NlpSettings, english) -> None:
    texts = [t for t in gold.values() if 500 < len(t) < 2500][:6]
    langs = ["en"] * len(texts) + ["de"]
    texts = [*texts, "Die Firma machte 3,5 Millionen Euro Umsatz."]
    one = analyse_texts(texts, langs, nlp_settings)
    two = analyse_texts(
        texts, langs, nlp_settings.model_copy(update={"n_process": 2, "multiprocess_min_chars": 0})
    )
    assert two == one
    assert [r["status"] for r in two][-1] == "no_ner"


def test_languages_in_flight_together_keep_their_places(
    gold: dict[str, str], nlp_settings: NlpSettings, english
) -> None:
    """Every language's chunks are in the pool at once and a lone language runs here
    meanwhile: each result must still land at its own text, from its own pipeline."""
    en = [t for t in gold.values() if 500 < len(t) < 2500][:4]
    de = ["Die Firma machte 3,5 Millionen Euro Umsatz.", "Der Rat tagte am Montag in Bonn."]
    fr = ["Le conseil a voté le budget de 12 millions d'euros."]
    texts = [en[0], de[0], en[1], fr[0], en[2], de[1], en[3]]
    langs = ["en", "de", "en", "fr", "en", "de", "en"]
    one = analyse_texts(texts, langs, nlp_settings)
    two = analyse_texts(
        texts, langs, nlp_settings.model_copy(update={"n_process": 2, "multiprocess_min_chars": 0})
    )
    assert two == one
    assert [r["lang"] for r in two] == langs
