"""The thin pipeline, end to end, on real parts: a local feed server, the real fetcher,
trafilatura, langdetect, spaCy, the packaged MiniLM model, SQLite, the drafts."""

from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import func, select

from clustering.stage import embedding_models
from core.config import Config
from ingest.sample_server import SampleServer, load_corpus, sources_toml
from store.articles import sync_sources
from store.db import open_store
from store.schema import (
    analyses,
    articles,
    draft_versions,
    embeddings,
    sources,
    stories,
    story_members,
)
from storyloom.runner import run_once

# Known gap, issue 12 left open: the join weights are fitted time-free on UCI (whose stories
# carry no duration) and the rhythm weight is set, not learned. Every sample story now holds
# together but one: Port Almira's first article comes 27 h before the next, while its story
# has no pace of its own yet, and it stays a story of its own.
FIRST_FOLLOW_UP_A_DAY_LATER = pytest.mark.xfail(
    reason="issue 12: a one-article story's first follow-up 27 h later is not joined",
    strict=False,
)


@pytest.fixture(scope="module")
def corpus() -> dict:
    return load_corpus()


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, corpus):
    tmp = tmp_path_factory.mktemp("e2e")
    with SampleServer(corpus=corpus) as server:
        data = tomllib.loads(sources_toml(server.base_url, corpus))
        config = Config.model_validate(
            {
                "storage": {"url": f"sqlite:///{tmp / 'e2e.db'}"},
                "crawler": {"allow_hosts": ["127.0.0.1"]},
                "nlp": {"n_process": 1},
                **data,
            }
        )
        engine = open_store(config.storage.url)
        with engine.begin() as conn:
            sync_sources(conn, config.sources)
        first = run_once(engine, config)
        second = run_once(engine, config)
    return engine, config, first, second


def test_every_served_article_is_stored_once_and_processed(pipeline_run, corpus):
    engine, config, first, _ = pipeline_run
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(articles)).scalar_one()
        statuses = conn.execute(
            select(articles.c.fetch_status, articles.c.nlp_status, articles.c.cluster_status)
        ).all()
        n_analyses = conn.execute(select(func.count()).select_from(analyses)).scalar_one()
        n_vectors = conn.execute(select(func.count()).select_from(embeddings)).scalar_one()
    assert n == len(corpus["articles"])
    assert first["crawl"]["new"] == n
    assert set(statuses) == {("done", "done", "done")}
    assert n_analyses == n
    # One vector per article and embedding model (the main one and the cross-lingual one).
    assert n_vectors == n * len(embedding_models(config.clustering))


def test_articles_are_extracted_from_pages_with_language(pipeline_run, corpus):
    engine, *_ = pipeline_run
    by_title = {a["title"]: a for a in corpus["articles"]}
    with engine.connect() as conn:
        rows = conn.execute(
            select(articles.c.title, articles.c.text, articles.c.lang, articles.c.extraction)
        ).all()
    outlets = {o["slug"]: o for o in corpus["outlets"]}
    for title, text, lang, extraction in rows:
        src = by_title[title]
        assert extraction == "page"
        # The page's last paragraph made it through trafilatura.
        assert src["paragraphs"][-1][:60] in text
        assert lang == outlets[src["outlet"]]["language"]


def test_shared_stories_are_found_and_drafted(pipeline_run, corpus):
    engine, *_ = pipeline_run
    gold: dict[str, set[str]] = {}
    for a in corpus["articles"]:
        gold.setdefault(a["story"], set()).add(a["title"])
    # Articles with no story are singletons, not one story of their own.
    shared = {k: v for k, v in gold.items() if k is not None and len(v) >= 2}
    with engine.connect() as conn:
        rows = conn.execute(
            select(story_members.c.story_id, articles.c.title).join(
                articles, articles.c.id == story_members.c.article_id
            )
        ).all()
        drafted = {r[0] for r in conn.execute(select(draft_versions.c.story_id))}
        # Stories merged away (by consolidation) stay as pointers; count the live ones.
        n_stories = conn.execute(
            select(func.count()).select_from(stories).where(stories.c.status != "merged")
        ).scalar_one()
    found: dict[int, set[str]] = {}
    for sid, title in rows:
        found.setdefault(sid, set()).add(title)
    # Each shared gold story is mostly in one found story, and that story has a draft.
    for story, titles in shared.items():
        best = max(found, key=lambda s: len(found[s] & titles))
        assert len(found[best] & titles) >= 0.75 * len(titles), (story, found[best] & titles)
        assert best in drafted
    # One story per shared gold story and per article of no story, with a little slack.
    assert n_stories <= len(shared) + len(gold.get(None, ())) + 2, n_stories


@FIRST_FOLLOW_UP_A_DAY_LATER
def test_every_language_joins_its_story_and_one_offs_stay_alone(pipeline_run, corpus):
    """Across languages (issue 13): every article of a shared story is in that story's
    found story, whatever its language, and an article of no story has one of its own."""
    engine, *_ = pipeline_run
    with engine.connect() as conn:
        story_of = dict(
            conn.execute(
                select(articles.c.title, story_members.c.story_id).join(
                    story_members, story_members.c.article_id == articles.c.id
                )
            ).all()
        )
    members: dict[int, list[str]] = {}
    for title, sid in story_of.items():
        members.setdefault(sid, []).append(title)
    by_gold: dict[str, list[str]] = {}
    for a in corpus["articles"]:
        by_gold.setdefault(a["story"], []).append(a["title"])
    for story, titles in by_gold.items():
        if story is None:
            for t in titles:
                assert members[story_of[t]] == [t], (t, members[story_of[t]])
            continue
        found = {story_of[t] for t in titles}
        assert len(found) == 1, (story, [(t, story_of[t]) for t in titles])


def test_a_second_pass_changes_nothing(pipeline_run):
    _, _, _, second = pipeline_run
    assert second["crawl"]["new"] == 0
    assert second["nlp"]["analysed"] == 0
    assert second["cluster"]["articles"] == 0


def test_metrics_after_the_run_show_every_stage(pipeline_run, corpus, tmp_path):
    """The operator's view of `make run`: /metrics of a real server over the processed store
    counts work done in every stage. Lens needs a model: an editor labels the takes (each
    with its outlet's lens), a retrain promotes one, one more pass predicts with it."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    from models.stage import retrain, set_label
    from review.app import create_app
    from storyloom.runner import process
    from tests.review.conftest import LiveServer

    engine, config, _, _ = pipeline_run
    config = config.model_copy(
        update={"lenses": config.lenses.model_copy(update={"artifacts_dir": str(tmp_path)})}
    )
    lens_of = {s.url: s.default_lens for s in config.sources}
    with engine.connect() as conn:
        rows = conn.execute(
            select(articles.c.id, sources.c.url).join(sources, sources.c.id == articles.c.source_id)
        ).all()
    for i, (aid, feed) in enumerate(sorted(rows)):
        if i % 4:  # a quarter stays unlabelled: those takes get predictions
            set_label(engine, aid, lens_of[feed], None)
    assert retrain(engine, config)["promoted"]
    process(engine, config)
    with LiveServer(create_app(config, engine)) as srv:
        text = httpx.get(f"{srv.url}/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }
    for stage in ("fetch", "nlp", "embed", "cluster", "lens"):
        key = ("storyloom_articles", (("stage", stage), ("status", "done")))
        assert samples.get(key, 0) > 0, (stage, text)
    assert samples[("storyloom_drafts", (("state", "drafted"),))] > 0
    fetched = sum(v for (n, lab), v in samples.items() if n == "storyloom_fetch_outcomes_total")
    assert fetched >= len(corpus["articles"])  # every page, plus the feeds
    assert samples[("storyloom_retrain_runs_total", ())] >= 1
    assert samples[("storyloom_lens_model_macro_f1", ())] > 0
    for stage in ("crawl", "nlp", "embed", "cluster", "lens", "drafts"):
        assert samples[("storyloom_stage_batch_seconds_count", (("stage", stage),))] >= 1
