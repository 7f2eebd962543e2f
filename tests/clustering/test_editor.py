"""Editor operations on a real store: move, split, merge; then new articles keep arriving
through run_cluster, and what the editor decided stands. Each operation leaves a labelled
example (labels, kind "cluster") and audit rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from clustering.editor import merge_stories, move_article, split_articles
from clustering.embed import Embedder
from clustering.stage import run_cluster, run_embed
from core.config import Config
from nlp.stage import run_nlp
from store.articles import DONE, upsert_article
from store.schema import audit_log, labels, stories, story_members

T0 = datetime(2014, 3, 11, 9, 0, tzinfo=UTC)
BANK = [
    ("Men's Wearhouse to buy Jos. A. Bank for $1.8 billion", "Reuters"),
    ("Men's Wearhouse, Jos. A. Bank agree to $1.8B merger", "AP"),
    ("Jos. A. Bank accepts Men's Wearhouse takeover offer", "Bloomberg"),
    ("Men's Wearhouse finally lands Jos. A. Bank in $1.8 billion deal", "CNBC"),
]
SNOWDEN = [
    ("Edward Snowden speaks at SXSW via video link from Russia", "AP"),
    ("Snowden tells SXSW the NSA is setting fire to the internet", "Reuters"),
    ("Edward Snowden at SXSW: encryption can protect us from the NSA", "Wired"),
]
POT = [
    ("Colorado collects $2 million in first month of marijuana taxes", "AP"),
    ("Colorado pot tax revenue: $2M in January recreational marijuana sales", "Denver Post"),
    ("Colorado reports first recreational marijuana tax haul", "Reuters"),
]


def _add(engine: Engine, rows: list[tuple[str, str]], start: datetime) -> list[int]:
    ids = []
    with engine.begin() as conn:
        for i, (title, outlet) in enumerate(rows):
            url = f"https://news.example/{start:%Y%m%d%H%M}/{i}"
            aid, created = upsert_article(
                conn,
                url=url,
                canonical=url,
                source_name=outlet,
                title=title,
                text=None,
                published_at=start + timedelta(minutes=5 * i),
                extraction="title_only",
                fetch_status=DONE,
            )
            assert created and aid is not None
            ids.append(aid)
    return ids


def _process(engine: Engine, config: Config) -> None:
    run_nlp(engine, config)
    run_embed(engine, config)
    run_cluster(engine, config)


def _story_of(engine: Engine) -> dict[int, tuple[int, str]]:
    with engine.connect() as conn:
        return {
            r.article_id: (r.story_id, r.assigned_by) for r in conn.execute(select(story_members))
        }


@pytest.fixture
def desk(engine: Engine, embedder: Embedder) -> tuple[Engine, Config, dict[str, list[int]]]:
    """Three stories' headlines, processed by the daemon's stages."""
    config = Config()
    ids = {
        "bank": _add(engine, BANK, T0),
        "snowden": _add(engine, SNOWDEN, T0 + timedelta(hours=1)),
        "pot": _add(engine, POT, T0 + timedelta(hours=2)),
    }
    _process(engine, config)
    return engine, config, ids


def test_stages_find_the_three_stories(desk) -> None:
    engine, _, ids = desk
    member = _story_of(engine)
    found = {name: {member[a][0] for a in aids} for name, aids in ids.items()}
    assert all(len(s) == 1 for s in found.values()), found
    assert len(set.union(*found.values())) == 3
    assert all(by == "algorithm" for _, by in member.values())


def test_move_stands_while_new_articles_arrive(desk) -> None:
    engine, config, ids = desk
    member = _story_of(engine)
    moved, pot_story = ids["snowden"][0], member[ids["pot"][0]][0]
    snow_story = member[ids["snowden"][1]][0]
    move_article(engine, moved, pot_story, user_id=None, config=config)

    # Headlines unlike the moved one: it now pulls its own look-alikes into its new story.
    fresh = [
        ("Snowden at SXSW: NSA spying is setting fire to the web", "Guardian"),
        ("Colorado marijuana tax revenue tops $2 million", "CNN"),
    ]
    # Each follow-up comes within its story's own pace (its last article ten minutes before):
    # a story whose articles came minutes apart is over hours later (clustering/event.py).
    later = _add(engine, fresh[:1], T0 + timedelta(hours=1, minutes=20)) + _add(
        engine, fresh[1:], T0 + timedelta(hours=2, minutes=20)
    )
    _process(engine, config)
    member = _story_of(engine)
    assert member[moved] == (pot_story, "editor")
    assert member[later[0]][0] == snow_story  # the story itself still gathers its news
    assert member[later[1]][0] == pot_story
    with engine.connect() as conn:
        st = conn.execute(select(stories.c.state).where(stories.c.id == snow_story)).scalar()
        label = conn.execute(select(labels).where(labels.c.kind == "cluster")).one()
        actions = {r.action for r in conn.execute(select(audit_log))}
    assert st["n"] == len(SNOWDEN) - 1 + 1  # one moved out, one new
    assert (label.value, label.article_id, label.story_id) == ("move", moved, pot_story)
    assert label.detail["from_story"] == snow_story
    assert {"cluster.move", "cluster.move_out"} <= actions


def test_split_stands_while_new_articles_arrive(desk) -> None:
    engine, config, ids = desk
    chosen = ids["bank"][2:]
    old_story = _story_of(engine)[chosen[0]][0]
    new_story = split_articles(engine, chosen, user_id=None, config=config)
    assert new_story != old_story

    later = _add(engine, BANK[:2], T0 + timedelta(minutes=25))
    _process(engine, config)
    member = _story_of(engine)
    assert all(member[a] == (new_story, "editor") for a in chosen)
    assert all(member[a] == (old_story, "algorithm") for a in ids["bank"][:2])
    assert all(member[a][0] in {old_story, new_story} for a in later)
    with engine.connect() as conn:
        label = conn.execute(select(labels).where(labels.c.kind == "cluster")).one()
        audits = conn.execute(select(audit_log.c.action, audit_log.c.target_id)).all()
    assert label.value == "split" and label.story_id == new_story
    assert label.detail["article_ids"] == chosen and label.detail["from_stories"] == [old_story]
    assert ("cluster.split", old_story) in audits and ("cluster.split_from", new_story) in audits


def test_merge_stands_while_new_articles_arrive(desk) -> None:
    engine, config, ids = desk
    member = _story_of(engine)
    keep, other = member[ids["snowden"][0]][0], member[ids["pot"][0]][0]
    merge_stories(engine, keep, other, user_id=None, config=config)

    later = _add(engine, POT[:2], T0 + timedelta(hours=6))
    _process(engine, config)
    member = _story_of(engine)
    assert all(member[a] == (keep, "editor") for a in ids["pot"])
    assert all(member[a][0] != other for a in later)  # a merged story takes nothing more
    with engine.connect() as conn:
        row = conn.execute(select(stories).where(stories.c.id == other)).one()
        label = conn.execute(select(labels).where(labels.c.kind == "cluster")).one()
        actions = {r.action for r in conn.execute(select(audit_log))}
    assert (row.status, row.merged_into, row.state, row.n_articles) == ("merged", keep, None, 0)
    assert row.dirty is False  # a pointer has no draft to build; doctor would flag it
    assert label.value == "merge" and label.detail["other"] == other
    assert sorted(label.detail["article_ids"]) == sorted(ids["pot"])
    assert {"cluster.merge", "cluster.merged_into"} <= actions
    with pytest.raises(ValueError, match="merged"):
        merge_stories(engine, keep, other, user_id=None, config=config)
