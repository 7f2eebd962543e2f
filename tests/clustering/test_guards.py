"""Consolidation that cannot snowball, on real headlines: merges refused (with the reason
logged) for stories far apart in their own pace or naming different specific entities;
a story that came in two bursts split at the pause; big stories re-examined harder."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from clustering.consolidate import Change, consolidate, split_bar
from clustering.guards import merge_veto, plan_pause_split, signature
from core.settings.clustering import ClusteringSettings
from tests.clustering.test_consolidate import _forced, _members, heads  # noqa: F401


def _later(arts, hours: float):
    return [
        replace(a, id=f"{a.id}+{hours}", published=a.published + timedelta(hours=hours))
        for a in arts
    ]


def test_fragments_far_apart_in_their_own_pace_are_not_merged(heads, caplog) -> None:  # noqa: F811
    s = ClusteringSettings()
    near = _forced(s, [heads["bank"][:2], heads["bank"][2:]])
    assert [c.kind for c in consolidate(near, {0, 1}, apply=lambda _c: None)] == ["merge"]
    # the same two fragments, the second two days later: a new event of the same kind
    far = _forced(s, [heads["bank"][:2], _later(heads["bank"][2:], 48)])
    with caplog.at_level(logging.INFO, logger="clustering.consolidate"):
        assert consolidate(far, {0, 1}, apply=lambda _c: None) == []
    refused = [r for r in caplog.records if r.getMessage() == "merge refused"]
    assert refused and "far apart in time" in refused[0].reason


def test_different_specific_entities_veto_a_merge(heads) -> None:  # noqa: F811
    # names in a third of the members make a signature here: the fixture stories are small
    s = ClusteringSettings(merge_signature_share=0.3)
    cl = _forced(s, [heads["bank"], heads["snowden"]])
    a, b = cl.stories[0], cl.stories[1]
    assert signature(a, cl.sf, s.merge_signature_share) and signature(
        b, cl.sf, s.merge_signature_share
    )
    # even with a pair score forced over the threshold, the names disagree
    feats = {"average": 1.0, "words": 1.0, "entities": 0.0}
    assert "different specific entities" in (merge_veto(a, b, feats, s, cl.sf) or "")
    same = _forced(s, [heads["bank"][:2], heads["bank"][2:]])
    assert merge_veto(same.stories[0], same.stories[1], feats, s, same.sf) is None


def test_a_story_of_two_bursts_is_split_at_the_pause(heads) -> None:  # noqa: F811
    s = ClusteringSettings(split_min_members=6)
    first, again = heads["bank"], _later(heads["bank"], 30)
    groups = [first + again]
    cl = _forced(s, groups)
    mem, members = _members(groups)

    def new_id(_part) -> int:
        mem[len(mem)] = []
        return len(mem) - 1

    def apply(ch: Change) -> None:
        moved = [a for a in mem[ch.story] if a.id in set(ch.articles)]
        mem[ch.story] = [a for a in mem[ch.story] if a not in moved]
        mem[ch.other] = moved

    plan = plan_pause_split(groups[0], s)
    assert plan is not None and plan[2] >= s.split_gap_factor
    changes = consolidate(cl, {0}, apply=apply, members=members, new_story_id=new_id)
    assert [c.kind for c in changes] == ["split"] and "two bursts" in changes[0].reason
    assert {a.id for a in mem[0]} == {a.id for a in first}  # the earlier burst keeps it
    assert {a.id for a in mem[1]} == {a.id for a in again}
    # one burst has no pause to split at
    assert plan_pause_split(first + _later(first, 0.1), s) is None


def test_big_stories_are_re_examined_harder() -> None:
    s = ClusteringSettings()
    assert split_bar(10, s) == s.split_threshold
    assert split_bar(s.growth_members, s) == s.merge_threshold > s.split_threshold
    with pytest.raises(ValueError):
        ClusteringSettings(merge_threshold=0.2, split_threshold=0.3)
