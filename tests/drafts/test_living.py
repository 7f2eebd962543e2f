"""Living drafts: editors' fields survive redrafts after new articles arrive, editors see
what is new since their last look, and approved stories export one file each."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, select

from drafts.render import parse_markdown
from drafts.stage import approve_story, current_draft, save_edit
from store.queries import mark_seen
from store.schema import draft_versions
from store.users import add_user
from tests.drafts.conftest import Built, import_rows, storyloom


@pytest.fixture(scope="module")
def editor(built: Built) -> int:
    return add_user(built.engine, "drafts-editor", "a long enough password", "editor")


def _versions(built: Built, sid: int) -> list[int]:
    with built.engine.connect() as conn:
        return list(
            conn.execute(
                select(draft_versions.c.version).where(draft_versions.c.story_id == sid)
            ).scalars()
        )


def test_edits_survive_a_redraft_and_the_new_is_reported(built: Built, editor: int):
    sid = built.story_ids["feather-duvet-lung"]
    tax = built.story_ids["colorado-marijuana-tax"]
    before = current_draft(built.engine, built.config, sid, editor)
    before_tax = current_draft(built.engine, built.config, tax, editor)
    # Never looked at: everything is new to this editor.
    assert before["new_since_last_look"]["takes"] == [
        it["article_id"] for g in before["takes"] for it in g["items"]
    ]
    kept_summary = [x["text"] for x in before["summary"][:2]]
    save_edit(built.engine, sid, "headline", "Feather duvet gave a man a rare lung disease", editor)
    save_edit(built.engine, sid, "summary", kept_summary, editor, approve=True)
    save_edit(built.engine, tax, "why", ["Colorado is the first state to tax legal pot."], editor)
    mark_seen(built.engine, editor, sid, before["version"])
    mark_seen(built.engine, editor, tax, before_tax["version"])
    seen = current_draft(built.engine, built.config, sid, editor)
    assert seen["new_since_last_look"] == {"takes": [], "numbers": []}

    import_rows(built, built.held_back, "later.jsonl")  # new articles arrive, are drafted
    new_ids = {built.article_ids[r["url"]] for r in built.held_back}

    after = current_draft(built.engine, built.config, sid, editor)
    assert after["version"] > before["version"] and len(_versions(built, sid)) >= 2
    assert after["headline"] == "Feather duvet gave a man a rare lung disease"
    assert [x["text"] for x in after["summary"]] == kept_summary
    assert after["edited"]["headline"]["state"] == "edited"
    assert after["edited"]["summary"]["state"] == "approved"
    assert after["edited"]["summary"]["user"] == editor
    # The generated part moved on: the new outlet has a take, shown as new.
    takes = {it["article_id"]: it for g in after["takes"] for it in g["items"]}
    (live,) = [a for a in new_ids if a in takes]
    assert takes[live]["outlet"] == "Live Science" and takes[live]["region"] == "US"
    assert after["meta"]["n_takes"] == before["meta"]["n_takes"] + 1
    assert after["new_since_last_look"]["takes"] == [live]
    old_figures = {x["display"] for x in before["numbers"]}
    assert after["new_since_last_look"]["numbers"] == [
        x["display"] for x in after["numbers"] if x["display"] not in old_figures
    ]

    after_tax = current_draft(built.engine, built.config, tax, editor)
    assert [x["text"] for x in after_tax["why"]] == [
        "Colorado is the first state to tax legal pot."
    ]
    assert after_tax["why"][0]["suggestion"] is False  # an editor wrote it
    (fits,) = [
        a for a in new_ids if a in {i["article_id"] for g in after_tax["takes"] for i in g["items"]}
    ]
    assert after_tax["new_since_last_look"]["takes"] == [fits]
    # Another editor who never looked sees every take as new.
    other = current_draft(built.engine, built.config, tax, None)
    assert len(other["new_since_last_look"]["takes"]) == other["meta"]["n_takes"]


def test_export_cli_writes_one_file_per_approved_story(built: Built, editor: int, tmp_path):
    approved = ["feather-duvet-lung", "mens-wearhouse-jos-a-bank"]
    for name in approved:
        approve_story(built.engine, built.story_ids[name], editor)
    slugs = {
        current_draft(built.engine, built.config, built.story_ids[n])["slug"]: n for n in approved
    }
    out = tmp_path / "md"
    done = storyloom(
        built.config_path,
        "export",
        "--status",
        "approved",
        "--since",
        "2014-01-01",
        "--format",
        "md",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.md" for s in slugs)
    page = parse_markdown(
        (out / f"{next(s for s, n in slugs.items() if n == approved[0])}.md").read_text()
    )
    assert page["headline"] == "Feather duvet gave a man a rare lung disease"

    js = tmp_path / "json"
    done = storyloom(built.config_path, "export", "--format", "json", "--out", str(js))
    assert done.returncode == 0, done.stderr
    files = sorted(js.iterdir())
    assert [p.stem for p in files] == sorted(slugs)
    for p in files:
        d = json.loads(p.read_text())
        assert d["slug"] == p.stem and d["story_id"] == built.story_ids[slugs[p.stem]]

    # --since is a date: stories whose last article is older are not exported.
    late = tmp_path / "late"
    done = storyloom(built.config_path, "export", "--since", "2019-01-01", "--out", str(late))
    assert done.returncode == 0, done.stderr
    assert [p.name for p in late.iterdir()] == [
        f"{s}.md" for s, n in slugs.items() if n == "feather-duvet-lung"
    ]
    bad = storyloom(built.config_path, "export", "--format", "pdf", "--out", str(tmp_path / "x"))
    assert bad.returncode != 0 and "format" in (bad.stderr + bad.stdout)


def test_lens_comes_from_the_active_model_only_when_confident(built: Built):
    """A prediction of a model that is not active is ignored; the active model's confident
    one wins over the source default, an unsure one does not."""
    from sqlalchemy import update

    from drafts.stage import redraft_story
    from store.db import utcnow
    from store.schema import lens_predictions, model_versions

    sid = built.story_ids["china-plague"]
    by_url = {r["source"]: built.article_ids[r["url"]] for r in built.rows}
    express, sun = by_url["Daily Express"], by_url["The Sun"]
    now = utcnow()
    with built.engine.begin() as conn:
        conn.execute(
            insert(model_versions).values(
                version="lens-test-1",
                path="-",
                sha256="0" * 64,
                n_labels=0,
                active=False,
                created_at=now,
            )
        )
        conn.execute(
            insert(lens_predictions),
            [
                {
                    "article_id": express,
                    "model_version": "lens-test-1",
                    "lens": "markets",
                    "confidence": 0.9,
                    "created_at": now,
                },
                {
                    "article_id": sun,
                    "model_version": "lens-test-1",
                    "lens": "markets",
                    "confidence": 0.2,
                    "created_at": now,
                },
            ],
        )

    def lenses() -> dict[int, tuple[str, str]]:
        d = redraft_story(built.engine, built.config, sid)
        return {
            it["article_id"]: (g["lens"], it["lens_provenance"])
            for g in d["takes"]
            for it in g["items"]
        }

    assert lenses()[express] == ("unlabelled", "none")  # the model is not active
    with built.engine.begin() as conn:
        conn.execute(update(model_versions).values(active=True))
    now_lenses = lenses()
    assert now_lenses[express] == ("markets", "model")
    assert now_lenses[sun] == ("society", "source")  # 0.2 is below min_confidence
