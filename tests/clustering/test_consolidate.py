"""Periodic consolidation on real headlines and the real embedder: fragments of one story
merge, a story holding two splits, unrelated stories stay apart, editor-shaped stories are
never touched, and in the store every change is applied and audited with its reason."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import Engine, select

from clustering.consolidate import Change, consolidate, pair_features, two_means
from clustering.consolidate_stage import run_consolidate
from clustering.editor import split_articles
from clustering.embed import Embedder
from clustering.entities import spacy_entities_fn
from clustering.state import ArticleFeatures
from clustering.streaming import StreamingClusterer
from core.config import Config
from core.settings.clustering import ClusteringSettings
from store.schema import audit_log, stories
from tests.clustering.test_editor import BANK, POT, SNOWDEN, T0, _add, _process, _story_of


@pytest.fixture(scope="module")
def heads(embedder: Embedder) -> dict[str, list[ArticleFeatures]]:
    ents = spacy_entities_fn()
    out = {}
    for k, (name, rows) in enumerate({"bank": BANK, "snowden": SNOWDEN, "pot": POT}.items()):
        titles = [t for t, _ in rows]
        vecs, keys = embedder.encode(titles), ents(titles)
        out[name] = [
            ArticleFeatures(
                f"{name}-{i}", vecs[i], t, keys[i], T0 + timedelta(hours=k, minutes=i), outlet
            )
            for i, (t, outlet) in enumerate(rows)
        ]
    return out


def _forced(settings: ClusteringSettings, groups: list[list[ArticleFeatures]]):
    """A clusterer whose story i holds groups[i], placed without asking decide()."""
    cl = StreamingClusterer(settings)
    for sid, group in enumerate(groups):
        cl.new_story(sid, group[0])
        for art in group[1:]:
            cl.add_article(sid, art)
    return cl


def _members(groups: list[list[ArticleFeatures]]):
    mem = {sid: list(g) for sid, g in enumerate(groups)}
    return mem, (lambda sid: mem[sid])


def test_fragments_of_one_story_merge_and_others_stay(heads) -> None:
    groups = [heads["bank"][:2], heads["bank"][2:], heads["snowden"], heads["pot"]]
    cl = _forced(ClusteringSettings(), groups)
    seen: list[Change] = []
    changes = consolidate(cl, {0, 1, 2, 3}, apply=seen.append)
    assert [(c.kind, c.story, c.other) for c in changes] == [("merge", 0, 1)]
    assert seen == changes
    assert sorted(cl.stories) == [0, 2, 3]
    assert cl.stories[0].n == len(BANK)
    assert "converged" in changes[0].reason and "average" in changes[0].reason
    # The merged state is what the members would build from scratch.
    whole = _forced(ClusteringSettings(), [heads["bank"]]).stories[0]
    assert cl.stories[0].vsum == pytest.approx(whole.vsum, abs=1e-5)
    assert cl.stories[0].words == whole.words
    assert cl.df.n == sum(len(g) for g in groups)  # IDF still counts every live article


def test_a_pass_of_several_merges_scores_each_pair_of_states_once(heads, monkeypatch) -> None:
    """Each merge rescans the touched stories' neighbours; pairs of states no merge changed
    are remembered, not scored again, and the merges are those of scoring afresh."""
    import clustering.consolidate as consolidate_module

    scored: list[tuple[int, int]] = []
    real = consolidate_module.pair_features

    def counting(a, b, df, settings):  # the real function, counted
        scored.append((id(a), id(b)))
        return real(a, b, df, settings)

    monkeypatch.setattr(consolidate_module, "pair_features", counting)
    half = len(SNOWDEN) // 2
    groups = [
        heads["bank"][:2],
        heads["bank"][2:],
        heads["snowden"][:half],
        heads["snowden"][half:],
        heads["pot"],
    ]
    cl = _forced(ClusteringSettings(), groups)
    changes = consolidate(cl, set(range(len(groups))), apply=lambda _c: None)
    assert sorted(sorted((c.story, c.other)) for c in changes) == [[0, 1], [2, 3]]
    assert scored and len(scored) == len(set(scored))
    assert len(cl.stories) == 3 and {0, 4} <= set(cl.stories)


def test_unrelated_stories_score_far_below_the_merge_threshold(heads) -> None:
    s = ClusteringSettings()
    cl = _forced(s, [heads["bank"], heads["snowden"], heads["pot"]])
    assert consolidate(cl, {0, 1, 2}, apply=lambda _c: None) == []
    feats = pair_features(cl.stories[0], cl.stories[2], cl.df, s)
    assert feats["words"] == 0.0 and feats["average"] < s.merge_threshold / 2


def test_a_story_holding_two_is_split_and_not_merged_back(heads) -> None:
    s = ClusteringSettings(split_min_members=6)
    groups = [heads["bank"] + heads["pot"]]
    cl = _forced(s, groups)
    mem, members = _members(groups)

    def new_id(part: list[ArticleFeatures]) -> int:
        mem[len(mem)] = []
        return len(mem) - 1

    def apply(ch: Change) -> None:
        moved = [a for a in mem[ch.story] if a.id in set(ch.articles)]
        mem[ch.story] = [a for a in mem[ch.story] if a not in moved]
        mem[ch.other] = moved

    changes = consolidate(cl, {0}, apply=apply, members=members, new_story_id=new_id)
    assert [(c.kind, c.story, c.other) for c in changes] == [("split", 0, 1)]
    assert changes[0].score < s.split_threshold and "drifted" in changes[0].reason
    # The larger part (the four Bank headlines) keeps the story.
    assert {a.id for a in mem[0]} == {a.id for a in heads["bank"]}
    assert set(changes[0].articles) == {a.id for a in heads["pot"]}
    assert cl.stories[0].n == len(BANK) and cl.stories[1].n == len(POT)
    again = consolidate(cl, {0, 1}, apply=apply, members=members, new_story_id=new_id)
    assert again == []


def test_locked_stories_are_never_merged_or_split(heads) -> None:
    s = ClusteringSettings(split_min_members=6)
    groups = [heads["bank"][:2], heads["bank"][2:], heads["snowden"] + heads["pot"] * 2]
    cl = _forced(s, groups)
    _, members = _members(groups)
    changes = consolidate(
        cl,
        {0, 1, 2},
        apply=lambda _c: None,
        locked=lambda sid: sid in {1, 2},
        members=members,
        new_story_id=lambda _p: 99,
    )
    assert changes == []
    assert sorted(cl.stories) == [0, 1, 2]


def test_two_means_separates_two_directions() -> None:
    rng = np.random.default_rng(0)
    a, b = np.eye(8, dtype=np.float32)[0], np.eye(8, dtype=np.float32)[1]
    vecs = np.stack([a + 0.1 * rng.standard_normal(8) for _ in range(5)] + [b] * 3)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    labels = two_means(vecs.astype(np.float32))
    assert len(set(labels[:5])) == 1 and len(set(labels[5:])) == 1 and labels[0] != labels[5]


def test_split_threshold_must_stay_below_merge_threshold() -> None:
    with pytest.raises(ValueError, match="merged straight back"):
        ClusteringSettings(merge_threshold=0.3, split_threshold=0.3)


# --- in the store -----------------------------------------------------------------------


def test_stage_consolidates_fragments_every_n_articles(engine: Engine, embedder) -> None:
    """A join threshold nobody reaches opens a story per article; the stage's periodic
    pass must then merge them back into the three stories, audited with the reason."""
    config = Config()
    config.clustering.threshold = 50.0
    config.clustering.consolidate_every = 2
    ids = {
        "bank": _add(engine, BANK, T0),
        "snowden": _add(engine, SNOWDEN, T0 + timedelta(hours=1)),
        "pot": _add(engine, POT, T0 + timedelta(hours=2)),
    }
    _process(engine, config)
    member = _story_of(engine)
    found = {name: {member[a][0] for a in aids} for name, aids in ids.items()}
    assert all(len(s) == 1 for s in found.values()), found
    assert len(set.union(*found.values())) == 3
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(stories))}
        audits = conn.execute(select(audit_log).where(audit_log.c.action.like("cluster.auto%")))
        audits = audits.all()
    live = {sid for sid, r in rows.items() if r.status != "merged"}
    assert live == set.union(*found.values())
    for sid in live:  # counts and state describe the merged members
        assert (
            rows[sid].n_articles
            == rows[sid].state["n"]
            == sum(1 for s, _ in member.values() if s == sid)
        )
    gone = [r for r in rows.values() if r.status == "merged"]
    assert len(gone) == len(BANK) + len(SNOWDEN) + len(POT) - 3
    assert all(r.merged_into in live and r.state is None for r in gone)
    merges = [a for a in audits if a.action == "cluster.auto_merge"]
    assert len(merges) == len(gone)
    assert all("converged" in a.detail["reason"] and a.detail["score"] >= 0.4 for a in merges)


def test_consolidation_leaves_an_editor_split_standing(engine: Engine, embedder) -> None:
    config = Config()
    ids = {"bank": _add(engine, BANK, T0)}
    _process(engine, config)
    old = _story_of(engine)[ids["bank"][0]][0]
    chosen = ids["bank"][2:]
    new = split_articles(engine, chosen, user_id=None, config=config)

    # More of the same story arrives, touching the old story; both passes run.
    config.clustering.consolidate_every = 1
    _add(engine, BANK[:2], T0 + timedelta(hours=1))
    _process(engine, config)
    res = run_consolidate(engine, config, now=T0 + timedelta(hours=2))
    assert res["merged"] == 0 and res["split"] == 0
    member = _story_of(engine)
    assert all(member[a] == (new, "editor") for a in chosen)
    assert all(member[a][0] == old for a in ids["bank"][:2])
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(stories.c.id, stories.c.status)).all())
    assert statuses[old] == statuses[new] == "open"
