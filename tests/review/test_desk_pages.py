"""What a desk sees move: the story page's timeline chart (server-side SVG, also in the
JSON draft), the breaking flag in the queue, and the Sources page's sparklines."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import Engine, update

from ingest.fetch import FetchResult
from ingest.outcomes import record_outcome
from store.db import utcnow
from store.schema import articles
from tests.review.data import add_source, add_story, news_items


def _recent(engine: Engine, ids: list[int], minutes_apart: int = 10) -> None:
    """Publish the articles in the last hour: a story that is moving now."""
    now = utcnow()
    with engine.begin() as c:
        for i, aid in enumerate(ids):
            t = now - timedelta(minutes=minutes_apart * (len(ids) - i))
            c.execute(update(articles).where(articles.c.id == aid).values(published_at=t))


def test_story_page_draws_the_timeline_and_the_json_carries_it(store, editor) -> None:  # noqa: ANN001
    client, token = editor
    items = news_items("Port strike")
    items[1]["outlet"] = '<script>alert("x")</script> Herald'
    sid, ids = add_story(store, "Port strike", items)
    r = client.post(f"/stories/{sid}/redraft", headers={"X-CSRF-Token": token})
    assert r.status_code in (200, 303), r.text  # the draft the JSON carries
    page = client.get(f"/stories/{sid}").text
    svg = re.search(r'<svg class="timeline-chart".*?</svg>', page, re.S)
    assert svg, "no timeline chart on the story page"
    assert svg.group(0).count('<rect class="bar"') >= 1
    assert svg.group(0).count('class="first-report"') == 3  # one tick per outlet
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    draft = client.get(f"/api/stories/{sid}").json()["draft"]
    tl = draft["timeline"]
    assert tl["n_articles"] == 3 and sum(tl["counts"]) == 3
    assert [o["article_id"] for o in tl["outlets"]] == ids
    exported = json.loads(client.get(f"/stories/{sid}/export?format=json").text)
    assert exported["timeline"]["outlets"] == tl["outlets"]


def test_queue_flags_sorts_and_filters_breaking(store, editor) -> None:  # noqa: ANN001
    client, _ = editor
    quiet, _ = add_story(store, "Council budget", news_items("Budget", 3))
    hot, hot_ids = add_story(store, "Port strike", news_items("Strike", 3) * 3)
    _recent(store, hot_ids)  # nine articles in the last 90 minutes
    page = client.get("/?sort=velocity").text
    rows = re.findall(r'<a href="/stories/(\d+)">', page)
    assert rows[0] == str(hot)
    first_row = page.split('<a href="/stories/')[1].split("</tr>")[0]
    assert 'class="badge breaking"' in first_row
    only = client.get("/?breaking=true").text
    assert f'href="/stories/{hot}"' in only and f'href="/stories/{quiet}"' not in only
    api = client.get("/api/stories", params={"breaking": "true", "sort": "velocity"}).json()
    assert [s["id"] for s in api["items"]] == [hot] and api["items"][0]["breaking"]
    assert api["items"][0]["velocity"] == 3.0  # nine articles over the 3-hour window


def test_sources_page_draws_outcomes_per_day(store, admin) -> None:  # noqa: ANN001
    client, _ = admin
    sid = add_source(store, "Wire One", "GB")
    today = utcnow()
    ok = FetchResult("u", "u", 200)
    busy = FetchResult("u", "u", 429, error="http_status")
    with store.begin() as c:
        for _ in range(3):
            record_outcome(c, sid, ok, when=today)
        record_outcome(c, sid, busy, when=today)
        record_outcome(c, sid, ok, when=today - timedelta(days=2))
    page = client.get("/sources").text
    svg = re.search(r'<svg class="sparkline".*?</svg>', page, re.S)
    assert svg
    assert svg.group(0).count("<g>") == 14  # one bar per day (the default 14 days)
    assert svg.group(0).count('class="spark-bad"') == 1
    assert svg.group(0).count('class="spark-good"') == 2
    assert f"{today:%Y-%m-%d}: ok 3, rate_limited 1" in svg.group(0)
