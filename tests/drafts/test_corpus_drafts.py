"""Drafts of real multi-source stories (benchmark pages and UCI titles, imported with
`storyloom import`) hold to the page's rules: every line is something a source printed."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from sqlalchemy import select

from drafts.render import markdown_fields, parse_markdown, render_json, render_markdown
from drafts.stage import current_draft
from drafts.text import clean_headline
from store.schema import articles, sources, stories, story_members
from tests.drafts.conftest import Built, storyloom
from tests.drafts.corpus import BENCHMARK_STORIES, UCI_STORIES

STORIES = [*BENCHMARK_STORIES, *UCI_STORIES]
_NUMBER = re.compile(r"\d[\d,.]*")


def _members(built: Built, story: str) -> dict[int, dict]:
    with built.engine.connect() as conn:
        rows = conn.execute(
            select(
                articles.c.id,
                articles.c.title,
                articles.c.text,
                articles.c.url,
                sources.c.name,
                articles.c.source_name,
            )
            .select_from(
                story_members.join(articles, articles.c.id == story_members.c.article_id).outerjoin(
                    sources, sources.c.id == articles.c.source_id
                )
            )
            .where(story_members.c.story_id == built.story_ids[story])
        ).all()
    return {r.id: {**r._mapping, "outlet": r.name or r.source_name} for r in rows}


def _printed(sentence: str, member: dict) -> bool:
    """Verbatim in the article's body or its title (a title-only article's one sentence)."""
    return sentence in (member["text"] or "") or sentence == member["title"]


@pytest.fixture(scope="module")
def drafts(built: Built) -> dict[str, dict]:
    return {s: current_draft(built.engine, built.config, built.story_ids[s]) for s in STORIES}


@pytest.mark.parametrize("story", STORIES)
def test_summary_is_extractive_traced_and_covers_the_story(built, drafts, story):
    d, members = drafts[story], _members(built, story)
    assert 3 <= len(d["summary"]) <= 5
    for item in d["summary"]:
        assert item["article_id"] in members, item
        m = members[item["article_id"]]
        assert _printed(item["text"], m), item["text"]
        assert (item["source"], item["url"]) == (m["outlet"], m["url"])
    text = " ".join(x["text"] for x in d["summary"]).lower()
    # The lead entities of the Meta line are what the summary is about.
    assert any(h.lower() in text for h in d["meta"]["heads"]), (d["meta"]["heads"], text)


@pytest.mark.parametrize("story", STORIES)
def test_no_two_summary_sentences_are_near_duplicates(built, drafts, encode, story):
    texts = [x["text"] for x in drafts[story]["summary"]]
    vecs = encode(texts)
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, -1)
    assert sims.max() < built.config.drafts.near_duplicate, texts
    words = [set(re.findall(r"\w+", t.lower())) for t in texts]
    for i in range(len(words)):
        for j in range(i + 1, len(words)):
            assert len(words[i] & words[j]) / len(words[i] | words[j]) < 0.8, (texts[i], texts[j])


@pytest.mark.parametrize("story", STORIES)
def test_every_take_sentence_and_quote_is_printed_by_its_outlet(built, drafts, story):
    d, members = drafts[story], _members(built, story)
    items = [it for g in d["takes"] for it in g["items"]]
    # one take per article, except strays (flagged instead) and reprints (named under
    # "also ran" of the take that carries their copy)
    strays = {x["article_id"] for x in d["stray"]}
    takes = [it["article_id"] for it in items]
    assert len(takes) == len(set(takes)) and not strays & set(takes)
    also = sum(len(it["also_ran"]) for it in items)
    assert len(takes) + len(strays) + also == len(members), (takes, strays, also)
    for it in items:
        m = members[it["article_id"]]
        assert _printed(it["sentence"], m), it["sentence"]
        assert (it["outlet"], it["url"], it["lang"]) == (m["outlet"], m["url"], "en")
        if it["quote"]:
            assert it["quote"]["text"] in f"{m['title']}\n\n{m['text']}"
    for key in ("why", "watch"):
        for x in d[key]:
            assert x["suggestion"] is True
            assert _printed(x["text"], members[x["article_id"]])


@pytest.mark.parametrize("story", STORIES)
def test_every_figure_is_in_a_source_sentence(built, drafts, story):
    d, members = drafts[story], _members(built, story)
    for item in d["numbers"]:
        assert re.fullmatch(r".+\.", item["display"]) and item["display"].startswith(item["text"])
        assert item["evidence"], item
        for ev in item["evidence"]:
            assert _printed(ev["sentence"], members[ev["article_id"]]), ev
        said = " ".join(ev["sentence"] for ev in item["evidence"])
        for number in _NUMBER.findall(item["display"]):
            assert number.rstrip(".,") in said, (number, item["display"], said)
        assert len(item["sources"]) == len({ev["source"] for ev in item["evidence"]})
    agreed = [len(x["sources"]) for x in d["numbers"]]
    assert agreed == sorted(agreed, reverse=True)  # figures several outlets agree on first


def test_figures_outlets_agree_on_are_merged_and_disagreements_flagged(drafts):
    deal = drafts["mens-wearhouse-jos-a-bank"]["numbers"]
    assert deal[0]["value"] == pytest.approx(1.8e9) and len(deal[0]["sources"]) >= 2
    assert not any(x["conflict"] for x in deal)
    tax = drafts["colorado-marijuana-tax"]["numbers"]
    flagged = {x["value"] for x in tax if x["conflict"]}
    assert {2e6, 3.5e6} <= flagged, tax  # $2M (several outlets) against $3.5 million
    two = next(x for x in tax if x["value"] == pytest.approx(2e6))
    assert len(two["sources"]) >= 2  # "$2M" and "$2 million" are one figure


@pytest.mark.parametrize("story", STORIES)
def test_meta_line_counts_match_the_takes(built, drafts, story):
    d = drafts[story]
    items = [it for g in d["takes"] for it in g["items"]]
    assert d["meta"]["n_takes"] == len(items)
    assert d["meta"]["n_lenses"] == len(d["takes"]) == len({g["lens"] for g in d["takes"]})
    assert d["meta"]["n_regions"] == len({it["region"] for it in items})
    md = render_markdown(d)
    assert (
        f"· {len(items)} takes · {len(d['takes'])} lenses · {d['meta']['n_regions']} regions"
        in md.splitlines()[2]
    )
    taxonomy = built.config.lenses.taxonomy
    lenses = {g["lens"] for g in d["takes"]}
    assert d["coverage"]["missing_lenses"] == [x for x in taxonomy if x not in lenses]
    configured = {s.country for s in built.config.sources}
    assert set(d["coverage"]["missing_regions"]) == configured - {it["region"] for it in items}


@pytest.mark.parametrize("story", STORIES)
def test_markdown_round_trips_through_json(drafts, story):
    d = drafts[story]
    md = render_markdown(d)
    assert parse_markdown(md) == markdown_fields(d)
    again = json.loads(render_json(d))
    assert render_markdown(again) == md
    assert markdown_fields(again) == parse_markdown(md)
    for title in ("Summary", "By the numbers", "Why it matters", "What to watch"):
        assert f"\n## {title}\n" in md
    assert "\n## Regional takes\n### " in md and "\n## Coverage\n" in md
    assert "\n## Across the graph\n- Related: " in md and "\n- Entities: " in md


def test_region_and_lens_follow_source_then_domain_then_global(drafts):
    takes = {
        it["outlet"]: (g["lens"], it["region"], it["lens_provenance"])
        for g in drafts["china-plague"]["takes"]
        for it in g["items"]
    }
    assert takes["The Sun"] == ("society", "GB", "source")  # configured source: country, lens
    assert takes["Daily Express"] == ("unlabelled", "GB", "none")  # express.co.uk
    assert takes["New York Post"] == ("unlabelled", "Global", "none")  # nypost.com
    order = [g["lens"] for g in drafts["china-plague"]["takes"]]
    assert order[-1] == "unlabelled"


@pytest.mark.parametrize("story", STORIES)
def test_headline_is_a_member_title_without_outlet_suffix(built, drafts, story):
    d, members = drafts[story], _members(built, story)
    outlets = {m["outlet"] for m in members.values()}
    assert d["headline"] in {clean_headline(m["title"], outlets) for m in members.values()}
    assert not re.search(
        r"\s[|–—-]\s*(Live Science|The Sun|Express|Smithsonian|Space)", d["headline"]
    )
    with built.engine.connect() as conn:
        slug = conn.execute(
            select(stories.c.slug).where(stories.c.id == built.story_ids[story])
        ).scalar_one()
    assert d["slug"] == slug and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)


def test_headlines_drop_the_outlet_suffixes_these_pages_carry(drafts):
    heads = {s: drafts[s]["headline"] for s in BENCHMARK_STORIES}
    assert all("|" not in h and " – The Sun" not in h for h in heads.values()), heads


def test_draft_cli_prints_the_same_page_by_slug_and_id(built, drafts):
    d = drafts["europa-water"]
    md = storyloom(built.config_path, "draft", d["slug"], "--format", "md")
    assert md.returncode == 0, md.stderr
    assert md.stdout.rstrip("\n") == render_markdown(d).rstrip("\n")
    js = storyloom(built.config_path, "draft", str(d["story_id"]), "--format", "json")
    assert js.returncode == 0, js.stderr
    assert markdown_fields(json.loads(js.stdout)) == markdown_fields(d)
    missing = storyloom(built.config_path, "draft", "no-such-story")
    assert missing.returncode == 1 and "no story" in missing.stderr
