"""What a desk sees move, in Debian's Chromium: the queue with a breaking story on top
(sorted by velocity), its story page with the timeline chart, the Sources sparklines.

Screenshots go to test-output/ (desk-queue-breaking.png, desk-story-timeline.png,
desk-sources-sparkline.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, update

from ingest.fetch import FetchResult
from ingest.outcomes import record_outcome
from store.db import utcnow
from store.schema import articles, sources
from store.stories import refresh_story
from tests.review.conftest import browser_login
from tests.review.data import EDITOR, add_story, news_items

pytestmark = pytest.mark.browser

# minutes before now at which the breaking story's articles appeared: a slow start, a burst
HOT_MINUTES = [175, 150, 120, 95, 70, 55, 45, 38, 30, 24, 18, 12, 8, 5, 2]


@pytest.fixture(scope="module")
def seeded(module_store: Engine) -> dict[str, int]:
    now = utcnow()
    quiet, _ = add_story(module_store, "Council approves budget", news_items("Budget", 3))
    items = news_items("Port strike", 3)
    items = [dict(items[i % 3]) for i in range(len(HOT_MINUTES))]
    for i, it in enumerate(items):
        it["title"] = f"Port strike spreads: update {i + 1}"
    extra = [("Nordic Post", "NO"), ("Gulf Daily", "AE"), ("Andes Diario", "PE")]
    for i, (name, country) in enumerate(extra):
        items[5 + 3 * i] |= {"outlet": name, "country": country}
    hot, ids = add_story(module_store, "Port strike spreads", items)
    with module_store.begin() as c:
        for aid, minutes in zip(ids, HOT_MINUTES, strict=True):
            t = now - timedelta(minutes=minutes)
            c.execute(update(articles).where(articles.c.id == aid).values(published_at=t))
        refresh_story(c, hot)  # first seen / latest follow the members, as the clusterer does
        src_ids = [r[0] for r in c.execute(sources.select().with_only_columns(sources.c.id))]
        ok, busy = FetchResult("u", "u", 200), FetchResult("u", "u", 429, error="http_status")
        gone = FetchResult("u", "u", 404, error="http_status")
        for n, sid in enumerate(src_ids):
            for d in range(14):
                for _ in range((d * 7 + n * 3) % 5 + 1):
                    record_outcome(c, sid, ok, when=now - timedelta(days=d))
                if (d + n) % 4 == 0:
                    record_outcome(c, sid, busy if n % 2 else gone, when=now - timedelta(days=d))
    return {"quiet": quiet, "hot": hot}


@pytest.fixture
def page(browser, module_server, seeded) -> Iterator:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_login(pg, module_server.url, EDITOR)
    pg.base = module_server.url
    yield pg
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def test_queue_shows_the_breaking_story_first(page, seeded, output_dir) -> None:  # noqa: ANN001
    page.select_option("select[name=sort]", "velocity")
    page.click("form.filters button")
    page.wait_for_url("**sort=velocity**")
    first = page.locator("table.queue tbody tr").first
    expect(first.locator(f"a[href='/stories/{seeded['hot']}']")).to_be_visible()
    expect(first.locator(".badge.breaking")).to_have_text("breaking")
    quiet = page.locator("table.queue tbody tr").filter(
        has=page.locator(f"a[href='/stories/{seeded['quiet']}']")
    )
    expect(quiet.locator(".badge.breaking")).to_have_count(0)
    page.screenshot(path=str(output_dir / "desk-queue-breaking.png"), full_page=True)
    page.check("input[name=breaking]")
    page.click("form.filters button")
    page.wait_for_url("**breaking=true**")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)


def test_story_page_shows_the_timeline_chart(page, seeded, output_dir) -> None:  # noqa: ANN001
    page.goto(f"{page.base}/stories/{seeded['hot']}")
    chart = page.locator("svg.timeline-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.timeline-chart rect.bar").count() >= 10
    expect(page.locator("svg.timeline-chart line.first-report")).to_have_count(6)
    heights = page.locator("svg.timeline-chart rect.bar").evaluate_all(
        "els => els.map(e => e.getBBox().height)"
    )
    assert max(heights) > 0 and len(set(heights)) > 1  # bars of different heights drawn
    expect(page.locator("figure.timeline figcaption")).to_contain_text("Nordic Post")
    page.locator("figure.timeline").screenshot(path=str(output_dir / "desk-timeline-chart.png"))
    page.screenshot(path=str(output_dir / "desk-story-timeline.png"), full_page=True)


def test_sources_page_shows_sparklines(page, output_dir) -> None:  # noqa: ANN001
    page.goto(f"{page.base}/sources")
    sparks = page.locator("svg.sparkline")
    assert sparks.count() >= 6
    expect(sparks.first).to_be_visible()
    assert page.locator("svg.sparkline rect.spark-bad").count() > 0
    page.screenshot(path=str(output_dir / "desk-sources-sparkline.png"), full_page=True)
