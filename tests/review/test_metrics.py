"""/metrics, /healthz and /readyz scraped from a real uvicorn server over a real store.

The store is filled by a real crawl against a local server (200, 304, 429, robots, a
refused redirect, a 404) and by stories as the clusterer writes them; the scrape must show
those counts, and readiness must fail for a store that is behind or unreachable.
"""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, update

from core.stagetime import timed
from ingest.crawl import crawl_once
from review.app import create_app
from store.db import make_engine, migrate
from store.schema import sources
from tests.ingest.conftest import RSS_HEADERS, article_html, make_config, register, rss
from tests.localserver import LocalServer
from tests.review.conftest import LiveServer
from tests.review.conftest import make_config as review_config
from tests.review.data import add_story, news_items

TEXT = (
    "The harbour authority approved the new quay after a long public consultation, "
    "and the first container ships are expected to dock there next spring."
)


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    r = httpx.get(f"{base}/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    out = {}
    for fam in text_string_to_metric_families(r.text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _crawl(engine: Engine, url: str) -> None:
    with LocalServer() as s:
        s.add(
            "/robots.txt",
            (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
        )
        s.add("/news/ok", (200, {"Content-Type": "text/html"}, article_html("Quay", TEXT)))
        s.add("/news/jump", (302, {"Location": "http://10.0.0.1/x"}, b""))
        items = [
            {"link": s.url("/news/ok"), "title": "Quay"},
            {"link": s.url("/private/story"), "title": "Robots"},
            {"link": s.url("/news/jump"), "title": "Jump"},
            {"link": s.url("/news/missing"), "title": "Missing"},
        ]

        def good(h):  # noqa: ANN001, ANN202 - conditional GET: 304 for a known ETag
            if h.headers.get("If-None-Match") == '"v1"':
                return 304, {"ETag": '"v1"'}, b""
            return 200, {**RSS_HEADERS, "ETag": '"v1"'}, rss(items)

        s.add("/good.xml", good)
        s.add("/busy.xml", (429, {"Retry-After": "60"}, b"slow down"))
        config = make_config(url, {"Good": s.url("/good.xml"), "Busy": s.url("/busy.xml")})
        register(engine, config)
        crawl_once(engine, config)
        with engine.begin() as c:  # due again at once: the second poll is conditional
            c.execute(update(sources).values(next_poll_at=None))
        crawl_once(engine, config)


def test_metrics_show_store_counts_and_stage_latency(store, sqlite_url) -> None:  # noqa: ANN001
    _crawl(store, sqlite_url)
    add_story(store, "Port strike", news_items("Port strike"))
    with timed("nlp"):
        pass
    with LiveServer(create_app(review_config(), store)) as srv:
        m = scrape(srv.url)
    fetch = {
        dict(k[1])["kind"]: v
        for k, v in m.items()
        if k[0] == "storyloom_fetch_outcomes_total" and dict(k[1])["source"] == "Good"
    }
    # two polls (200 then 304), pages: ok, robots, refused redirect, 404
    assert fetch == {
        "ok": 2.0,
        "not_modified": 1.0,
        "robots": 1.0,
        "refused": 1.0,
        "http_error": 1.0,
    }
    busy = ("storyloom_fetch_outcomes_total", (("kind", "rate_limited"), ("source", "Busy")))
    assert m[busy] == 2.0  # polled twice
    art = {
        (dict(k[1])["stage"], dict(k[1])["status"]): v
        for k, v in m.items()
        if k[0] == "storyloom_articles"
    }
    assert art[("fetch", "done")] == 4  # the page and three story articles
    assert art[("fetch", "error")] == 3
    assert art[("cluster", "done")] == 3
    assert m[("storyloom_queue_depth", (("stage", "nlp"),))] == 4
    assert m[("storyloom_queue_oldest_pending_seconds", (("stage", "nlp"),))] > 0
    assert m[("storyloom_queue_depth", (("stage", "cluster"),))] == 0
    assert m[("storyloom_queue_depth", (("stage", "lens"),))] == 0  # no lens model yet
    assert m[("storyloom_retrain_runs_total", ())] == 0
    assert m[("storyloom_live_stories", ())] == 1
    assert ("storyloom_drafts", (("state", "rebuild_pending"),)) in m
    count = ("storyloom_stage_batch_seconds_count", (("stage", "nlp"),))
    assert m[count] >= 1


def test_healthz_and_readyz_on_a_current_store(store) -> None:  # noqa: ANN001
    with LiveServer(create_app(review_config(), store)) as srv:
        assert httpx.get(f"{srv.url}/healthz").text == "ok"
        r = httpx.get(f"{srv.url}/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ready"] and body["schema"] == "at head" and body["store"] == "ok"
    assert body["models"]["embedding"] == "ok" and body["models"]["spacy:en"] == "ok"
    assert body["models"]["lens"].startswith("ok (no model yet")


def test_readyz_fails_on_an_old_schema_and_an_unreachable_store(tmp_path) -> None:
    old = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(old, "0001")
    with LiveServer(create_app(review_config(), old)) as srv:
        r = httpx.get(f"{srv.url}/readyz")
        assert httpx.get(f"{srv.url}/healthz").status_code == 200  # up, but not ready
    assert r.status_code == 503 and "code expects" in r.json()["schema"]
    gone = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test")
    with LiveServer(create_app(review_config(), gone)) as srv:
        r = httpx.get(f"{srv.url}/readyz")
        scrape_r = httpx.get(f"{srv.url}/metrics")
    assert r.status_code == 503 and r.json()["store"].startswith("unreachable")
    assert scrape_r.status_code == 503


@pytest.mark.postgres
def test_metrics_on_postgresql(pg_engine, pg_url) -> None:  # noqa: ANN001
    _crawl(pg_engine, pg_url)
    with LiveServer(create_app(review_config(), pg_engine)) as srv:
        m = scrape(srv.url)
    key = ("storyloom_fetch_outcomes_total", (("kind", "not_modified"), ("source", "Good")))
    assert m[key] == 1.0


def test_readyz_fails_when_the_active_lens_model_cannot_load(store) -> None:  # noqa: ANN001
    from sqlalchemy import insert

    from store.db import utcnow
    from store.schema import model_versions

    with store.begin() as c:
        c.execute(
            insert(model_versions).values(
                version="v-missing",
                path="/nonexistent/lens.joblib",
                sha256="0" * 64,
                n_labels=20,
                active=True,
                created_at=utcnow(),
            )
        )
    with LiveServer(create_app(review_config(), store)) as srv:
        r = httpx.get(f"{srv.url}/readyz")
    assert r.status_code == 503, r.text
    assert not r.json()["models"]["lens"].startswith("ok")
