"""Across languages through the real CLI: `storyloom import` then `storyloom process` on a
real SQLite file, real spaCy, MiniLM and USE-multilingual. A German report of an English
story joins it; an unrelated German article does not; without the cross-lingual embedding
the German report stays alone (so the join is the mechanism's, not shared words'). The
draft of the joined story shows the languages, prefers the desk's language in its summary,
marks fallbacks with their language, and the queue's language filter finds the story."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core.settings.lenses import LensSettings
from drafts.render import parse_markdown
from store.db import open_store
from store.queries import list_stories
from store.schema import articles, story_members
from tests.clustering.xling_corpus import ARTICLES

ROOT = Path(__file__).resolve().parents[2]


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    res = subprocess.run(
        [sys.executable, "-m", "storyloom", "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
        },
    )
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def _run(tmp: Path, clustering: str = "", drafts: str = "") -> tuple[str, dict[str, int]]:
    """Import + process in a fresh store; returns the db URL and url -> story id."""
    db = f"sqlite:///{tmp / 'store.db'}"
    config = tmp / "config.toml"
    config.write_text(
        f'[storage]\nurl = "{db}"\n[nlp]\nn_process = 1\n'
        f"[clustering]\n{clustering}\n[drafts]\nmin_sources = 2\n{drafts}\n"
    )
    feed = tmp / "articles.jsonl"
    feed.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    _cli(config, "init")
    _cli(config, "import", str(feed))
    _cli(config, "process")
    engine = open_store(db)
    with engine.connect() as conn:
        rows = conn.execute(
            select(articles.c.url, story_members.c.story_id).join(
                story_members, story_members.c.article_id == articles.c.id
            )
        ).all()
    engine.dispose()
    return db, {url: sid for url, sid in rows}


@pytest.fixture(scope="module")
def joined(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, int]]:
    tmp = tmp_path_factory.mktemp("xling")
    db, story = _run(tmp)
    return tmp, db, story


def test_german_report_joins_the_english_story_and_unrelated_german_does_not(joined) -> None:
    _, _, story = joined
    en1, en2, de_same, de_other = (a["url"] for a in ARTICLES)
    assert story[en1] == story[en2]
    assert story[de_same] == story[en1]
    assert story[de_other] != story[en1]


def test_without_the_cross_lingual_embedding_the_german_report_stays_alone(
    tmp_path: Path,
) -> None:
    _, story = _run(tmp_path, clustering='cross_model = ""')
    en1, en2, de_same, _ = (a["url"] for a in ARTICLES)
    assert story[en1] == story[en2]
    assert story[de_same] != story[en1]


def test_draft_shows_languages_and_queue_filters_by_language(joined) -> None:
    tmp, db, story = joined
    sid = story[ARTICLES[0]["url"]]
    page = _cli(tmp / "config.toml", "draft", str(sid), "--format", "md").stdout
    fields = parse_markdown(page)
    assert fields["meta"]["languages"] == ["de", "en"]
    # The desk reads English and the story has English sentences enough: no fallback.
    assert fields["summary"] and all("lang" not in x for x in fields["summary"])
    engine = open_store(db)
    conf = LensSettings().min_confidence

    def queue(lang: str) -> set[int]:  # the review queue's own query, filtered by language
        return {r["id"] for r in list_stories(engine, lang=lang, min_confidence=conf)}

    de_ids, en_ids, fr_ids = queue("de"), queue("en"), queue("fr")
    engine.dispose()
    assert sid in de_ids and sid in en_ids and not fr_ids


def test_a_german_desk_gets_german_sentences_first_and_english_marked(tmp_path: Path) -> None:
    _, story = _run(tmp_path, drafts='desk_language = "de"')
    sid = story[ARTICLES[0]["url"]]
    page = _cli(tmp_path / "config.toml", "draft", str(sid), "--format", "md").stdout
    summary = parse_markdown(page)["summary"]
    langs = [x.get("lang") for x in summary]
    assert langs[0] is None  # a German sentence, unmarked, comes first
    assert "en" in langs  # one German article has too few sentences: English fills, marked
    assert langs == sorted(langs, key=lambda v: v is not None)  # no German after a fallback
    assert any(line.startswith("- [en] ") for line in page.splitlines())
