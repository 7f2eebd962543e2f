"""The web process only reads: a story without a draft is shown as "drafting…" and left to
the drafts stage, never drafted inside the request (which loaded sentence-transformers in
the web process before)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from drafts.stage import run_drafts
from store.schema import draft_versions
from tests.review.conftest import make_config
from tests.review.data import add_story, news_items

Client = tuple[TestClient, str]


def _versions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(draft_versions)).scalar_one()


def test_reading_a_story_without_a_draft_writes_none(store: Engine, editor: Client) -> None:
    client, _ = editor
    sid, _ = add_story(store, "quay", news_items("Quay", 3))
    solo, _ = add_story(store, "solo", news_items("Solo", 1))
    page = client.get(f"/stories/{sid}")
    assert page.status_code == 200 and "Drafting…" in page.text
    detail = client.get(f"/api/stories/{sid}").json()
    assert detail["draft"] is None and detail["drafting"] is True
    assert client.get(f"/api/stories/{solo}").json()["drafting"] is False  # needs sources
    assert "Drafting…" not in client.get(f"/stories/{solo}").text
    assert _versions(store) == 0, "a read built a draft"
    assert run_drafts(store, make_config()) == 1  # the worker's pass drafts what was queued
    detail = client.get(f"/api/stories/{sid}").json()
    assert detail["draft"]["headline"] and detail["drafting"] is False
    assert "Drafting…" not in client.get(f"/stories/{sid}").text
