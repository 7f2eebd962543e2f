"""The sample site behaves like a real news site: feeds, pages, caching headers, robots."""

from __future__ import annotations

import html
import json
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import feedparser
import httpx
import pytest
import trafilatura
from protego import Protego

from core.config import SourceSettings
from ingest.sample_server import CorpusError, SampleServer, load_corpus, sources_toml

ROOT = Path(__file__).resolve().parents[2]


def _articles_of(corpus: dict, slug: str) -> list[dict]:
    return [a for a in corpus["articles"] if a["outlet"] == slug]


def test_every_feed_lists_exactly_its_outlets_articles(corpus, sample_server, client):
    urls = sample_server.feed_urls()
    assert set(urls) == {o["slug"] for o in corpus["outlets"]}
    for outlet in corpus["outlets"]:
        resp = client.get(urls[outlet["slug"]])
        assert resp.status_code == 200
        expected_type = "atom" if outlet.get("feed_format") == "atom" else "rss"
        assert resp.headers["content-type"] == f"application/{expected_type}+xml; charset=utf-8"
        feed = feedparser.parse(resp.content)
        assert not feed.bozo, f"{outlet['slug']}: {feed.get('bozo_exception')}"
        assert feed.version == ("atom10" if expected_type == "atom" else "rss20")
        mine = _articles_of(corpus, outlet["slug"])
        assert len(feed.entries) == len(mine)
        by_link = {sample_server.url(a["url"]): a for a in mine}
        for entry in feed.entries:
            article = by_link[entry.link]
            assert entry.title == article["title"]
            assert entry.summary == article["paragraphs"][0]
            assert entry.published_parsed is not None


def test_both_feed_formats_are_exercised(corpus):
    formats = {o.get("feed_format", "rss") for o in corpus["outlets"]}
    assert formats == {"rss", "atom"}


def test_article_pages_are_html_documents_with_metadata(corpus, sample_server, client):
    outlets = {o["slug"]: o for o in corpus["outlets"]}
    for article in corpus["articles"]:
        resp = client.get(article["url"])
        assert resp.status_code == 200, article["url"]
        assert resp.headers["content-type"] == "text/html; charset=utf-8"
        page = resp.text
        outlet = outlets[article["outlet"]]
        assert page.startswith("<!DOCTYPE html>")
        assert f'<html lang="{outlet["language"]}">' in page
        assert f"<title>{html.escape(article['title'])}</title>" in page
        assert f"<h1>{html.escape(article['title'])}</h1>" in page
        assert f'content="{html.escape(outlet["name"])}"' in page
        assert f'<meta property="article:published_time" content="{article["published"]}">' in page
        assert f'<meta name="author" content="{html.escape(article["author"])}">' in page


def test_trafilatura_extracts_the_article_not_the_chrome(corpus, client):
    article = max(corpus["articles"], key=lambda a: len(a["paragraphs"]))
    text = trafilatura.extract(client.get(article["url"]).text)
    assert text is not None
    for paragraph in article["paragraphs"]:
        assert paragraph in text
    assert "cookies" not in text
    assert "All rights reserved" not in text


def test_conditional_get_returns_304(sample_server, client):
    url = next(iter(sample_server.feed_urls().values()))
    first = client.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag.headers["etag"] == etag
    by_date = client.get(url, headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304
    stale = client.get(url, headers={"If-None-Match": '"not-the-tag"'})
    assert stale.status_code == 200
    assert stale.content == first.content
    older = client.get(url, headers={"If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT"})
    assert older.status_code == 200
    garbage = client.get(url, headers={"If-Modified-Since": "yesterday-ish"})
    assert garbage.status_code == 200


def test_robots_allows_everything(sample_server, client, corpus):
    resp = client.get("/robots.txt")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/plain; charset=utf-8"
    robots = Protego.parse(resp.text)
    assert robots.can_fetch(sample_server.url(corpus["articles"][0]["url"]), "storyloom")


def test_unknown_path_is_a_plain_404_and_head_has_no_body(corpus, client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/plain")
    head = client.head(corpus["articles"][0]["url"])
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 1000


def test_sources_toml_validates_as_config_sources(corpus, sample_server, client):
    parsed = tomllib.loads(sources_toml(sample_server.base_url, corpus))
    sources = [SourceSettings(**s) for s in parsed["sources"]]
    assert [s.name for s in sources] == [o["name"] for o in corpus["outlets"]]
    assert {s.language for s in sources} >= {"en", "de"}
    for source in sources:
        assert source.kind == "feed"
        assert client.get(source.url).status_code == 200


def test_two_servers_run_side_by_side(corpus):
    with SampleServer(corpus=corpus) as a, SampleServer(corpus=corpus) as b:
        assert a.base_url != b.base_url
        assert httpx.get(b.url("/robots.txt")).status_code == 200


def test_load_corpus_reports_bad_files_clearly(tmp_path, corpus):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match="not valid JSON"):
        load_corpus(broken)
    orphan = dict(corpus, articles=[dict(corpus["articles"][0], outlet="nowhere-news")])
    bad_ref = tmp_path / "orphan.json"
    bad_ref.write_text(json.dumps(orphan), encoding="utf-8")
    with pytest.raises(CorpusError, match="unknown outlet 'nowhere-news'"):
        load_corpus(bad_ref)


def test_command_line_serves_until_interrupted(tmp_path):
    toml_path = tmp_path / "sources.toml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.sample_server", "--port", "0"]
        + ["--sources-toml", str(toml_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        feed_url = next(line.split()[-1] for line in lines if "/feeds/" in line)
        assert httpx.get(feed_url).status_code == 200
        assert "[[sources]]" in toml_path.read_text(encoding="utf-8")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
