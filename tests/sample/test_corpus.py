"""The sample corpus is what the pipeline and editors see first: hold it to its promises."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime

from langdetect import DetectorFactory, detect

LENSES = {
    "geopolitics / strategy",
    "industry / business",
    "policy / regulation",
    "technology",
    "markets",
    "society",
}
QUOTE = re.compile(r"[“„\"][^“”„\"]{20,}[”“\"]")
FIGURE = re.compile(r"\d")


def _words(article: dict) -> int:
    return len(" ".join(article["paragraphs"]).split())


def test_outlets_cover_regions_languages_and_lenses(corpus):
    outlets = corpus["outlets"]
    assert len(outlets) >= 6
    assert len({o["slug"] for o in outlets}) == len(outlets)
    assert len({o["country"] for o in outlets}) >= 5
    assert {o["language"] for o in outlets} > {"en"}, "need a non-English outlet"
    for o in outlets:
        assert o["default_lens"] in LENSES, o
        assert re.fullmatch(r"[A-Z]{2}", o["country"]), o


def test_articles_reference_known_outlets_and_stories(corpus):
    outlets = {o["slug"] for o in corpus["outlets"]}
    stories = {s["key"] for s in corpus["stories"]}
    articles = corpus["articles"]
    assert len(articles) >= 30
    for a in articles:
        assert a["outlet"] in outlets, a["id"]
        assert a["story"] is None or a["story"] in stories, a["id"]
    assert len({a["id"] for a in articles}) == len(articles)
    assert len({a["url"] for a in articles}) == len(articles)
    assert all(a["url"].startswith(f"/{a['outlet']}/") for a in articles)


def test_stories_are_shared_across_outlets(corpus):
    outlets_per_story: dict[str, set[str]] = defaultdict(set)
    for a in corpus["articles"]:
        if a["story"]:
            outlets_per_story[a["story"]].add(a["outlet"])
    assert set(outlets_per_story) == {s["key"] for s in corpus["stories"]}
    assert len(corpus["stories"]) >= 5
    for key, outlets in outlets_per_story.items():
        assert 4 <= len(outlets) <= 8, key
    one_offs = [a for a in corpus["articles"] if a["story"] is None]
    assert 3 <= len(one_offs) <= 4
    per_story = Counter(a["story"] for a in corpus["articles"] if a["story"])
    assert all(n == len(outlets_per_story[k]) for k, n in per_story.items()), "one per outlet"


def test_articles_are_usable_news_prose(corpus):
    for a in corpus["articles"]:
        assert 4 <= len(a["paragraphs"]) <= 8, a["id"]
        assert 150 <= _words(a) <= 350, (a["id"], _words(a))
        text = " ".join(a["paragraphs"])
        assert QUOTE.search(text), f"{a['id']} has no direct quote"
        assert FIGURE.search(text), f"{a['id']} has no figure"
        assert a["author"].strip() and a["title"].strip()


def test_published_times_are_utc_and_span_days_in_november_2026(corpus):
    times = [
        datetime.fromisoformat(a["published"].replace("Z", "+00:00")) for a in corpus["articles"]
    ]
    assert all(a["published"].endswith("Z") for a in corpus["articles"])
    assert all((t.year, t.month) == (2026, 11) for t in times)
    assert len({t.date() for t in times}) >= 3


def test_some_titles_carry_an_outlet_suffix(corpus):
    names = {o["slug"]: o["name"] for o in corpus["outlets"]}
    suffixed = [
        a
        for a in corpus["articles"]
        if a["title"].endswith((f" - {names[a['outlet']]}", f" | {names[a['outlet']]}"))
    ]
    assert 5 <= len(suffixed) < len(corpus["articles"])


def test_article_language_matches_outlet(corpus):
    DetectorFactory.seed = 0  # langdetect is random without a seed
    outlets = {o["slug"]: o for o in corpus["outlets"]}
    for a in corpus["articles"]:
        assert detect(" ".join(a["paragraphs"])) == outlets[a["outlet"]]["language"], a["id"]


# Figures that outlets deliberately report differently, so drafts have conflicts to flag.
CONFLICTS = {
    "varnholm-port-strike": ("12,000 containers", "14,500 containers"),
    "meridian-atlas-model": ("1.6 trillion", "1.8 trillion"),
    "valdoria-copper-quota": ("by 30%", "by a quarter"),
    "voltaris-gigafactory": ("3,100 people", "2800 Arbeitsplätze"),
    "almira-water-rationing": ("at 18% of capacity", "at 21% of capacity"),
}


def test_stories_carry_conflicting_figures_in_different_outlets(corpus):
    for story, figures in CONFLICTS.items():
        outlets_with = [
            {
                a["outlet"]
                for a in corpus["articles"]
                if a["story"] == story and f in " ".join(a["paragraphs"])
            }
            for f in figures
        ]
        assert all(outlets_with), (story, figures)
        assert outlets_with[0] != outlets_with[1], story
