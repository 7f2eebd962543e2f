"""detect_language: deterministic, short codes, declared language as tie-breaker."""

from __future__ import annotations

from core.settings.crawler import CrawlerSettings
from ingest.langid import detect_language


def detect(text: str, declared: str | None = None, settings: CrawlerSettings | None = None):  # noqa: ANN201
    """detect_language with the default [crawler] settings unless a test gives its own."""
    return detect_language(text, declared, settings or CrawlerSettings())


EN = "The city council approved the new budget on Tuesday after a long debate about schools."
DE = "Der Stadtrat hat am Dienstag nach einer langen Debatte über Schulen den Haushalt beschlossen."
FR = "Le conseil municipal a approuvé mardi le nouveau budget après un long débat sur les écoles."


def test_detects_common_languages() -> None:
    assert detect(EN)[0] == "en"
    assert detect(DE)[0] == "de"
    assert detect(FR)[0] == "fr"
    lang, conf = detect(EN)
    assert 0.5 < conf <= 1.0


def test_chinese_gives_short_code() -> None:
    assert detect("市议会周二批准了新的预算，此前就学校问题进行了长时间的辩论。" * 2)[0] == "zh"


def test_deterministic_across_calls() -> None:
    mixed = "Football Fußball match Spiel heute today gewonnen won Tor goal Mannschaft team"
    results = {detect(mixed) for _ in range(20)}
    assert len(results) == 1


def test_too_little_text_returns_declared_with_zero_confidence() -> None:
    assert detect("Hi", declared="de-AT") == ("de", 0.0)
    assert detect("", declared=None) == (None, 0.0)


def test_declared_language_breaks_a_tie() -> None:
    # Danish and Norwegian Bokmål are near-ties for langdetect on this sentence (da 0.57, no 0.43)
    text = "Regeringen har bestemt at skatten skal økes neste år."
    assert detect(text)[0] == "da"
    lang, conf = detect(text, declared="nb-NO")  # Bokmål: langdetect's "no"
    assert lang == "no" and 0.3 < conf < 0.6
    # with no margin the declared language cannot win against a better candidate
    assert detect(text, declared="no", settings=CrawlerSettings(lang_tie_margin=0.0))[0] == "da"
    # a declared language langdetect does not consider at all never overrides a clear answer
    assert detect(EN, declared="ja")[0] == "en"
    assert detect(DE, declared="nl")[0] == "de"
