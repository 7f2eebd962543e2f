"""An editor's day in Debian's Chromium: log in, edit, relabel, merge, split, approve, export.

One uvicorn server and one store for the module; every test opens its own browser context
(a fresh session) and checks what it did in the store, not only on the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select

from drafts.stage import run_drafts
from store.schema import draft_edits, labels, stories, story_members
from tests.review.conftest import browser_login, make_config
from tests.review.data import EDITOR, add_articles, add_story, news_items

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(module_store: Engine) -> dict[str, int]:
    """Five stories; each test works on its own so their order does not matter."""
    out = {}
    for name in ("edit", "relabel", "merge_a", "merge_b", "split", "approve"):
        sid, _ = add_story(module_store, f"{name} story", news_items(name.title()))
        out[name] = sid
    run_drafts(module_store, make_config())  # the drafts stage, as a worker runs it
    return out


@pytest.fixture(scope="module")
def editor_state(browser, module_server, seeded) -> dict:  # noqa: ANN001
    """Log in through the form once; each test's context starts from that session."""
    context = browser.new_context()
    browser_login(context.new_page(), module_server.url, EDITOR)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def page(browser, module_server, editor_state) -> Iterator:  # noqa: ANN001
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, storage_state=editor_state
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(f"{module_server.url}/")
    pg.base = module_server.url
    yield pg
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def members(engine: Engine, sid: int) -> set[int]:
    with engine.connect() as c:
        q = select(story_members.c.article_id).where(story_members.c.story_id == sid)
        return {r[0] for r in c.execute(q)}


def story_row(engine: Engine, sid: int):  # noqa: ANN201
    with engine.connect() as c:
        return c.execute(select(stories).where(stories.c.id == sid)).first()


def test_login_shows_the_queue_and_a_story(page, seeded, output_dir) -> None:  # noqa: ANN001
    assert page.locator("h1", has_text="Stories").is_visible()
    assert page.locator(".who", has_text=EDITOR[0]).is_visible()
    row = page.locator("table.queue tbody tr").filter(
        has=page.locator(f"a[href='/stories/{seeded['edit']}']")
    )
    assert row.locator(".badge.new").inner_text() == "3 new"  # never looked at yet
    page.screenshot(path=str(output_dir / "review-queue.png"), full_page=True)
    page.goto(f"{page.base}/stories/{seeded['edit']}")
    assert page.locator("#field-summary li").count() > 0
    page.screenshot(path=str(output_dir / "review-story.png"), full_page=True)
    page.goto(f"{page.base}/")  # the look is recorded: no new takes on that story now
    assert row.count() == 1
    assert row.locator(".badge.new").count() == 0


def test_edited_summary_survives_a_redraft(page, seeded, module_store) -> None:  # noqa: ANN001
    sid = seeded["edit"]
    page.goto(f"{page.base}/stories/{sid}")
    version = page.locator("p.meta").inner_text()
    page.click("#field-summary button:has-text('Edit')")  # htmx swaps in the form in place
    area = page.locator("#edit-summary")
    area.fill("Editors wrote this summary line.\nA second line, also by hand.")
    page.click("#field-summary button.primary")
    page.wait_for_selector("#field-summary .state.edited")
    assert page.url.endswith(f"/stories/{sid}")  # saved in place, no navigation
    with module_store.connect() as c:
        saved = c.execute(select(draft_edits.c.value).where(draft_edits.c.story_id == sid))
        assert "Editors wrote this summary line." in saved.scalar_one()

    # A new outlet joins; the editor rebuilds the draft: a new version, the edit kept.
    extra = news_items("Edit", 1)[0] | {"outlet": "Fjord Post", "country": "NO"}
    extra["text"] += " Norwegian ports said they would not take diverted ships."
    add_articles(module_store, sid, [extra])
    page.click("button:has-text('Rebuild draft')")
    page.wait_for_load_state()
    assert page.locator("p.meta").inner_text() != version
    summary = page.locator("#field-summary .value").inner_text()
    assert "Editors wrote this summary line." in summary
    assert "A second line, also by hand." in summary
    assert "Fjord Post" in page.locator(".takes").inner_text()


def test_relabel_a_take_stores_the_label(page, seeded, module_store) -> None:  # noqa: ANN001
    sid = seeded["relabel"]
    page.goto(f"{page.base}/stories/{sid}")
    take = page.locator("li.take").first
    aid = int(take.get_attribute("id").removeprefix("take-"))
    take.locator("select[name=lens]").select_option("markets")
    take.locator("button:has-text('Set lens')").click()
    page.wait_for_selector(f"#lens-{aid} .ok")
    with module_store.connect() as c:
        got = c.execute(
            select(labels.c.value, labels.c.user_id)
            .where(labels.c.kind == "lens", labels.c.article_id == aid)
            .order_by(labels.c.id.desc())
        ).first()
    assert got is not None and got.value == "markets" and got.user_id is not None
    page.reload()
    chip = page.locator(f"#article-{aid} .chip")
    assert chip.inner_text() == "markets" and "lens-editor" in chip.get_attribute("class")


def test_merge_two_stories(page, seeded, module_store) -> None:  # noqa: ANN001
    keep, other = seeded["merge_a"], seeded["merge_b"]
    both = members(module_store, keep) | members(module_store, other)
    slug = story_row(module_store, other).slug
    page.goto(f"{page.base}/stories/{keep}")
    page.fill("input[name=other]", slug)
    page.click("button:has-text('Merge into this')")
    page.wait_for_load_state()
    assert page.locator(".articles li.article").count() == len(both)
    assert members(module_store, keep) == both
    gone = story_row(module_store, other)
    assert gone.status == "merged" and gone.merged_into == keep
    assert "cluster.merge" in page.locator("ol.history").inner_text()


def test_split_one_story(page, seeded, module_store) -> None:  # noqa: ANN001
    sid = seeded["split"]
    before = sorted(members(module_store, sid))
    chosen = before[:2]
    page.goto(f"{page.base}/stories/{sid}")
    for aid in chosen:
        page.check(f"#article-{aid} input[type=checkbox]")
    page.click("button:has-text('Split chosen into a new story')")
    page.wait_for_url(re.compile(rf"/stories/(?!{sid}$)\d+$"))
    new_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert members(module_store, new_id) == set(chosen)
    assert members(module_store, sid) == set(before) - set(chosen)
    assert page.locator(".articles li.article").count() == len(chosen)


def test_approve_and_export(page, seeded, module_store) -> None:  # noqa: ANN001
    sid = seeded["approve"]
    page.goto(f"{page.base}/stories/{sid}")
    headline = page.locator("#field-headline .headline").inner_text()
    page.click("button:has-text('Approve story')")
    page.wait_for_selector("button:has-text('Reopen')")
    assert page.locator(".crumbs .status").inner_text().lower() == "approved"
    assert story_row(module_store, sid).status == "approved"
    assert "story.approve" in page.locator("ol.history").inner_text()

    with page.expect_download() as md:
        page.click("a:has-text('Export Markdown')")
    text = Path(md.value.path()).read_text(encoding="utf-8")
    assert md.value.suggested_filename.endswith(".md") and headline in text
    with page.expect_download() as js:
        page.click("a:has-text('Export JSON')")
    data = json.loads(Path(js.value.path()).read_text(encoding="utf-8"))
    assert data["headline"] == headline and data["story_id"] == sid

    page.click("button:has-text('Reopen')")
    page.wait_for_selector("button:has-text('Approve story')")
    assert story_row(module_store, sid).status == "open"


def test_labelling_one_keypress_per_lens(page, seeded, module_store) -> None:  # noqa: ANN001
    from core.config import Config

    taxonomy = Config.model_validate({}).lenses.taxonomy
    page.goto(f"{page.base}/label")
    card = page.locator("#label-card[data-article-id]")
    card.wait_for()
    page.wait_for_load_state("networkidle")  # the key handler is bound before we type
    first = int(card.get_attribute("data-article-id"))
    assert page.locator("#label-card button.guess, #label-card strong").count() > 0
    page.keyboard.press("2")
    # expect() polls from Python: a string predicate would need eval, which the CSP forbids.
    expect(page.locator("#label-card")).not_to_have_attribute(
        "data-article-id", str(first), timeout=20_000
    )
    with module_store.connect() as c:
        got = c.execute(
            select(labels.c.value).where(labels.c.kind == "lens", labels.c.article_id == first)
        ).scalar()
    assert got == taxonomy[1]
    second = int(page.locator("#label-card").get_attribute("data-article-id"))
    # The new card must have settled (htmx drops a trigger on an element mid-swap).
    expect(page.locator("#label-card")).not_to_have_class(
        re.compile(r"htmx-(request|swapping|settling|added)")
    )
    page.wait_for_load_state("networkidle")
    page.keyboard.press("s")  # skip: no label, the next take
    expect(page.locator("#label-card")).not_to_have_attribute(
        "data-article-id", str(second), timeout=20_000
    )
    with module_store.connect() as c:
        q = select(labels).where(labels.c.kind == "lens", labels.c.article_id == second)
        assert c.execute(q).first() is None
