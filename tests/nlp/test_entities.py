"""Unit cases for canonical entity names and merging, within an article and across a story."""

from __future__ import annotations

import pytest

from nlp.entities import (
    canonical_entity,
    entities_from_mentions,
    entity_key,
    merge_entities,
    resolve_name,
)


@pytest.mark.parametrize(
    ("raw", "label", "canonical"),
    [
        ("Moonshot AI's", "ORG", "Moonshot AI"),  # possessive
        ("Moonshot AI’s", "ORG", "Moonshot AI"),  # curly possessive
        ("Reuters'", "ORG", "Reuters"),  # bare apostrophe after s
        ("the European Union", "ORG", "European Union"),  # leading article
        ("a MacBook Pro", "PRODUCT", "MacBook Pro"),
        ("A Tribe Called Quest", "ORG", "A Tribe Called Quest"),  # capital A is the name
        ("Mr. Joe Biden", "PERSON", "Joe Biden"),  # titles, people only
        ("President Donald Trump", "PERSON", "Donald Trump"),
        ("CEO Craig Menear", "PERSON", "Craig Menear"),
        ("President Hotel", "ORG", "President Hotel"),
        ("“WeWork”,", "ORG", "WeWork"),  # surrounding quotes and punctuation
        ("(Alibaba)", "ORG", "Alibaba"),
        ("Shanghai Composite (SHCOMP", "ORG", "Shanghai Composite"),  # unbalanced bracket
        ("pvt &", "ORG", "pvt"),
        ("U.S.", "GPE", "U.S."),  # abbreviation dots kept in display
        ("Apple Inc.", "ORG", "Apple Inc."),
        ("Smart Keyboard Folio.", "PRODUCT", "Smart Keyboard Folio"),
        ("  Meta \n Platforms ", "ORG", "Meta Platforms"),  # whitespace
    ],
)
def test_canonical_entity(raw: str, label: str, canonical: str) -> None:
    assert canonical_entity(raw, label) == canonical


def test_entity_key_folds_case_accents_dots_and_hyphens() -> None:
    assert entity_key("U.S.") == entity_key("US") == "us"
    assert entity_key("Société Générale") == entity_key("SOCIETE GENERALE")
    assert entity_key("Coca-Cola's") == entity_key("CocaCola")
    assert entity_key("the  New York Times") == "new york times"


def _m(text: str, label: str, start: int) -> dict:
    return {"text": text, "label": label, "start": start}


LABELS = ["PERSON", "ORG", "GPE", "NORP", "LOC", "PRODUCT", "EVENT", "LAW", "WORK_OF_ART"]


def test_merge_within_article_counts_and_first_mention() -> None:
    mentions = [
        _m("Meta Platforms", "ORG", 0),
        _m("Mark Zuckerberg", "PERSON", 20),
        _m("Meta", "ORG", 50),
        _m("Meta's", "ORG", 80),
        _m("Zuckerberg", "PERSON", 90),
        _m("EU", "ORG", 120),
        _m("European Union", "ORG", 150),
        _m("2024", "DATE", 160),  # not an entity label: ignored
    ]
    out = entities_from_mentions(mentions, LABELS)
    assert [(e["text"], e["label"], e["count"], e["first"]) for e in out] == [
        ("Meta Platforms", "ORG", 3, 0),
        ("Mark Zuckerberg", "PERSON", 2, 20),
        ("European Union", "ORG", 2, 120),
    ]
    assert out[0]["mentions"] == ["Meta Platforms", "Meta", "Meta's"]


def test_surname_mislabelled_joins_person_but_ambiguous_surnames_stay_apart() -> None:
    out = entities_from_mentions(
        [_m("Aseem Prakash", "PERSON", 0), _m("Prakash", "ORG", 10), _m("Prakash", "ORG", 30)],
        LABELS,
    )
    assert [(e["text"], e["label"], e["count"]) for e in out] == [("Aseem Prakash", "PERSON", 3)]
    two = entities_from_mentions(
        [_m("Joshua Apte", "PERSON", 0), _m("Ann Apte", "PERSON", 5), _m("Apte", "PERSON", 9)],
        LABELS,
    )
    assert sorted(e["text"] for e in two) == ["Ann Apte", "Apte", "Joshua Apte"]
    place = entities_from_mentions(
        [_m("Michael Jordan", "PERSON", 0), _m("Jordan", "GPE", 9)], LABELS
    )
    assert len(place) == 2


def test_prefix_merges_only_over_corporate_suffixes() -> None:
    out = entities_from_mentions(
        [
            _m("Apple TV Channels", "ORG", 0),
            _m("Apple TV", "ORG", 10),
            _m("iPhone 15", "PRODUCT", 20),
            _m("iPhone", "PRODUCT", 30),
        ],
        LABELS,
    )
    assert len(out) == 4


def test_merge_across_articles_of_a_story() -> None:
    a = entities_from_mentions([_m("Meta", "ORG", 0), _m("Zuckerberg", "PERSON", 9)], LABELS)
    b = entities_from_mentions(
        [_m("Meta Platforms Inc.", "ORG", 0), _m("Mark Zuckerberg", "PERSON", 30)], LABELS
    )
    c = entities_from_mentions([_m("Meta's", "ORG", 4), _m("Paris", "GPE", 40)], LABELS)
    story = merge_entities([a, b, c])
    assert [(e["text"], e["n_articles"], e["count"]) for e in story] == [
        ("Meta Platforms Inc.", 3, 3),
        ("Mark Zuckerberg", 2, 2),
        ("Paris", 1, 1),
    ]
    assert set(story[0]["forms"]) >= {"Meta", "Meta Platforms Inc.", "Meta's"}
    assert story[0]["forms"][0] == "Meta Platforms Inc."  # longest first, for matching


def test_resolve_name() -> None:
    ents = entities_from_mentions(
        [_m("Jonathan Matuszewski", "PERSON", 0), _m("Jefferies", "ORG", 30)], LABELS
    )
    assert resolve_name("Matuszewski", ents) == "Jonathan Matuszewski"
    assert resolve_name("Jefferies’", ents) == "Jefferies"
    assert resolve_name("WeWork spokesperson", ents) == "WeWork spokesperson"
