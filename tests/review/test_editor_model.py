"""Editor operations from the UI and the API reach clustering with the configured model.

Before: review/api.py and review/pages_story.py called clustering/editor.py without the
config, which then rebuilt the story's state with the default embedding model; under any
other [clustering] model the members have no vectors of that model, so a moved story got
state=None and silently dropped out of clustering. Here the model is the same MiniLM named
by its folder path, which is a different `model` for the store (vectors are keyed by it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from clustering.embed import resolve_model_path
from clustering.stage import run_cluster, run_embed
from core.config import Config
from core.settings.clustering import ClusteringSettings
from nlp.stage import run_nlp
from review.app import create_app
from store.articles import DONE, upsert_article
from store.schema import stories, story_members
from tests.review.data import EDITOR, seed_users

from .conftest import csrf_of, login

T0 = datetime(2014, 3, 11, 9, 0, tzinfo=UTC)
HEADLINES = {
    "bank": [
        "Men's Wearhouse to buy Jos. A. Bank for $1.8 billion",
        "Men's Wearhouse, Jos. A. Bank agree to $1.8B merger",
        "Jos. A. Bank accepts Men's Wearhouse takeover offer",
    ],
    "snowden": [
        "Edward Snowden speaks at SXSW via video link from Russia",
        "Snowden tells SXSW the NSA is setting fire to the internet",
        "Edward Snowden at SXSW: encryption can protect us from the NSA",
    ],
}


@pytest.fixture
def desk(sqlite_engine: Engine) -> tuple[Engine, Config, dict[str, list[int]]]:
    """Two stories clustered under a non-default [clustering] model (MiniLM by path)."""
    model = str(resolve_model_path(ClusteringSettings().model))
    assert model != ClusteringSettings().model
    config = Config.model_validate(
        {"review": {"secret_key": "test-secret"}, "clustering": {"model": model}}
    )
    ids: dict[str, list[int]] = {}
    with sqlite_engine.begin() as conn:
        for n, (name, titles) in enumerate(HEADLINES.items()):
            for i, title in enumerate(titles):
                url = f"https://news.example/{name}/{i}"
                aid, _ = upsert_article(
                    conn,
                    url=url,
                    canonical=url,
                    source_name=f"Outlet {i}",
                    title=title,
                    text=None,
                    published_at=T0 + timedelta(hours=n, minutes=5 * i),
                    extraction="title_only",
                    fetch_status=DONE,
                )
                ids.setdefault(name, []).append(aid)
    run_nlp(sqlite_engine, config)
    run_embed(sqlite_engine, config)
    run_cluster(sqlite_engine, config)
    seed_users(sqlite_engine)
    return sqlite_engine, config, ids


def _story_of(engine: Engine, article_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(story_members.c.story_id).where(story_members.c.article_id == article_id)
        ).scalar_one()


def _state(engine: Engine, story_id: int) -> dict | None:
    with engine.connect() as conn:
        return conn.execute(select(stories.c.state).where(stories.c.id == story_id)).scalar()


def test_a_move_from_the_api_and_the_page_keeps_both_states(desk) -> None:
    engine, config, ids = desk
    bank, snow = _story_of(engine, ids["bank"][0]), _story_of(engine, ids["snowden"][0])
    assert bank != snow and _state(engine, bank) and _state(engine, snow)
    with TestClient(create_app(config, engine), base_url="http://127.0.0.1") as client:
        token = login(client, EDITOR)
        r = client.post(
            f"/api/articles/{ids['snowden'][0]}/move",
            json={"story": str(bank)},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == 200, r.text
        for sid in (bank, snow):
            state = _state(engine, sid)
            assert state is not None, f"story {sid} lost its clusterer state"
        assert _state(engine, bank)["n"] == 4
        page = client.get(f"/stories/{bank}").text
        r = client.post(
            f"/articles/{ids['snowden'][0]}/move",
            data={"target": str(snow), "back": str(bank), "csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert _state(engine, bank)["n"] == 3 and _state(engine, snow)["n"] == 3
