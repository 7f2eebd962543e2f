"""The JSON API does what the pages do, and its OpenAPI schema documents every route."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from drafts.stage import run_drafts
from store.db import utcnow
from store.schema import analyses, labels, stories
from tests.review.conftest import make_config
from tests.review.data import add_story, news_items
from tests.review.test_security import routes

Client = tuple[TestClient, str]


def test_openapi_documents_every_api_route(app: FastAPI, editor: Client) -> None:
    client, _ = editor
    schema = client.get("/api/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    served = {(m, p) for m, p, _ in routes(app) if p.startswith("/api/") and "openapi" not in p}
    assert served and served <= documented, served - documented
    put = schema["paths"]["/api/stories/{story_id}/fields/{field}"]["put"]
    assert "requestBody" in put  # bodies are typed, not free-form


def test_queue_filters_sort_and_new_takes(store: Engine, editor: Client) -> None:
    client, _ = editor
    big, _ = add_story(store, "big", news_items("Ports", 3))
    small, _ = add_story(
        store, "small", [{"title": "Solo", "text": "One outlet.", "country": "FR", "lang": "fr"}]
    )
    items = client.get("/api/stories", params={"sort": "sources"}).json()["items"]
    assert [s["id"] for s in items] == [big, small]
    assert items[0]["new_takes"] == 3 and items[0]["n_regions"] == 3
    assert [s["id"] for s in client.get("/api/stories?lang=fr").json()["items"]] == [small]
    assert [s["id"] for s in client.get("/api/stories?region=JP").json()["items"]] == [big]
    assert client.get("/api/stories?since=2030-01-01").json()["total"] == 0
    assert client.get("/api/stories?since=yesterday").status_code == 400
    assert client.get("/api/stories?sort=bogus").status_code == 422


def test_story_edit_redraft_export_history(store: Engine, editor: Client) -> None:
    client, token = editor
    h = {"X-CSRF-Token": token}
    sid, ids = add_story(store, "strike", news_items("Strike", 3))
    run_drafts(store, make_config())  # the drafts stage, as a worker runs it
    detail = client.get(f"/api/stories/{sid}").json()
    assert detail["draft"]["headline"] and len(detail["articles"]) == 3
    body = {"value": "- Editors' own line about the strike."}
    assert client.put(f"/api/stories/{sid}/fields/summary", json=body, headers=h).json()["ok"]
    assert client.put(f"/api/stories/{sid}/fields/nope", json=body, headers=h).status_code == 404
    assert client.post(f"/api/stories/{sid}/redraft", headers=h).status_code == 200
    md = client.get(f"/api/stories/{sid}/export?format=md").text
    assert "Editors' own line about the strike." in md
    js = json.loads(client.get(f"/api/stories/{sid}/export?format=json").text)
    assert js["summary"][0]["text"] == "Editors' own line about the strike."
    assert client.post(f"/api/stories/{sid}/approve", headers=h).json()["ok"]
    assert client.get("/api/stories?status=approved").json()["items"][0]["id"] == sid
    assert client.post(f"/api/stories/{sid}/reopen", headers=h).json()["ok"]
    history = client.get(f"/api/stories/{sid}/history").json()
    actions = [(e["action"], e["username"]) for e in history]
    assert ("draft.edited", "ed") in actions
    assert ("story.approve", "ed") in actions and ("story.reopen", "ed") in actions


def test_cluster_fixes_and_labels(store: Engine, editor: Client) -> None:
    client, token = editor
    h = {"X-CSRF-Token": token}
    a, a_ids = add_story(store, "a", news_items("Alpha", 3))
    b, b_ids = add_story(store, "b", news_items("Beta", 2))
    slug = client.get(f"/api/stories/{b}").json()["story"]["slug"]
    assert client.post(f"/api/stories/{a}/merge", json={"other": slug}, headers=h).json()["ok"]
    assert client.post(f"/api/stories/{a}/merge", json={"other": str(a)}, headers=h).status_code
    with store.connect() as c:
        row = c.execute(select(stories).where(stories.c.id == b)).first()
    assert row.status == "merged" and row.merged_into == a
    new = client.post("/api/split", json={"article_ids": a_ids[:2]}, headers=h).json()
    new_id = new["story_id"]
    got = {x["id"] for x in client.get(f"/api/stories/{new_id}").json()["articles"]}
    assert got == set(a_ids[:2])
    move = {"story": str(new_id)}
    assert client.post(f"/api/articles/{b_ids[0]}/move", json=move, headers=h).json()["ok"]
    got = {x["id"] for x in client.get(f"/api/stories/{new_id}").json()["articles"]}
    assert got == set(a_ids[:2]) | {b_ids[0]}
    lens = {"lens": "markets"}
    assert client.post(f"/api/articles/{a_ids[2]}/lens", json=lens, headers=h).json()["ok"]
    bad = client.post(f"/api/articles/{a_ids[2]}/lens", json={"lens": "gossip"}, headers=h)
    assert bad.status_code == 400
    with store.connect() as c:
        q = select(labels.c.value).where(labels.c.kind == "lens", labels.c.article_id == a_ids[2])
        assert c.execute(q).scalar_one() == "markets"
    assert client.get("/api/models").json()["labels_per_lens"] == {"markets": 1}
    items = client.get("/api/stories?lens=markets").json()["items"]
    assert [s["id"] for s in items] == [a]


def test_search_title_text_and_entity(store: Engine, editor: Client) -> None:
    client, _ = editor
    sid, ids = add_story(
        store,
        "s",
        [
            {"title": "Copper quota tightens", "text": "Smelters worry."},
            {"title": "Markets", "text": "Traders sold zinc futures."},
            {"title": "Elsewhere", "text": "Nothing in the words."},
        ],
    )
    with store.begin() as c:
        c.execute(
            insert(analyses).values(
                article_id=ids[2],
                model="test",
                pipeline_version="1",
                text_hash="x",
                status="ok",
                data={"entities": [{"text": "Kranwerk Systems", "label": "ORG"}]},
                created_at=utcnow(),
            )
        )
    for q, want in [("copper", ids[0]), ("zinc", ids[1]), ("kranwerk", ids[2])]:
        hits = client.get("/api/search", params={"q": q}).json()
        assert [x["id"] for x in hits] == [want] and hits[0]["story_id"] == sid
    page = client.get("/search", params={"q": "kranwerk"}).text
    assert "Elsewhere" in page and f"/stories/{sid}" in page


def test_label_queue_and_retrain_status(admin: Client) -> None:
    client, _ = admin
    queue = client.get("/api/label-queue")
    assert queue.status_code == 200 and isinstance(queue.json(), list)
    status = client.get("/api/models/retrain").json()
    assert status["running"] is False and status["error"] is None


def test_queue_pages_are_shared_briefly_and_dropped_on_any_write(
    store: Engine, editor: Client
) -> None:
    client, token = editor  # logging in showed the (empty) queue page: it is cached now
    first, ids = add_story(store, "one", news_items("One", 2))  # the pipeline adds a story
    assert client.get("/api/stories").json()["total"] == 0  # the shared page, for a moment
    lens = {"lens": "society"}
    client.post(f"/api/articles/{ids[0]}/lens", json=lens, headers={"X-CSRF-Token": token})
    listed = client.get("/api/stories").json()
    assert listed["total"] == 1  # an editor's write cleared it
    assert "society" in listed["items"][0]["lenses"] and listed["items"][0]["new_takes"] == 2
