"""Pairwise and BCubed scores on hand-checked cases."""

from __future__ import annotations

import pytest

from clustering.metrics import bcubed_prf, pairwise_prf


def test_perfect_clustering_scores_one() -> None:
    gold = ["a", "a", "b", "b", "b", "c"]
    pred = [7, 7, 3, 3, 3, 9]  # label names do not matter, only the partition
    assert pairwise_prf(pred, gold) == (1.0, 1.0, 1.0)
    assert bcubed_prf(pred, gold) == (1.0, 1.0, 1.0)


def test_everything_in_one_cluster() -> None:
    gold = ["a", "a", "b", "b"]
    pred = [1, 1, 1, 1]
    p, r, f = pairwise_prf(pred, gold)
    # 6 predicted pairs, 2 of them true; both gold pairs found.
    assert (p, r) == pytest.approx((2 / 6, 1.0))
    assert f == pytest.approx(2 * p * r / (p + r))
    bp, br, _ = bcubed_prf(pred, gold)
    # each item: 2 of the 4 in its cluster share its gold story.
    assert (bp, br) == pytest.approx((0.5, 1.0))


def test_all_singletons() -> None:
    gold = ["a", "a", "a", "b"]
    pred = [1, 2, 3, 4]
    p, r, f = pairwise_prf(pred, gold)
    assert (p, r, f) == (1.0, 0.0, 0.0)  # nothing claimed: precision 1 by convention
    bp, br, _ = bcubed_prf(pred, gold)
    assert bp == 1.0
    assert br == pytest.approx((1 / 3 * 3 + 1) / 4)


def test_bcubed_by_hand() -> None:
    # gold: {1,2,3} {4,5}; pred: {1,2} {3,4,5}
    gold = ["x", "x", "x", "y", "y"]
    pred = ["p", "p", "q", "q", "q"]
    bp, br, bf = bcubed_prf(pred, gold)
    # precision per item: 1, 1, 1/3, 2/3, 2/3 ; recall: 2/3, 2/3, 1/3, 1, 1
    assert bp == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert br == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert bf == pytest.approx(2 * bp * br / (bp + br))
    pp, pr, _ = pairwise_prf(pred, gold)
    # predicted pairs: (1,2) (3,4) (3,5) (4,5) -> true: (1,2) (4,5); gold pairs: 3 + 1 = 4
    assert (pp, pr) == pytest.approx((2 / 4, 2 / 4))


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="labels"):
        pairwise_prf([1, 2], [1])
    with pytest.raises(ValueError, match="labels"):
        bcubed_prf([1], [1, 2])


def test_held_out_scores_count_joins_with_other_stories_against_precision() -> None:
    from clustering.metrics import held_out_scores

    gold = ["a", "a", "b", "b", "t", "t"]
    held = [True, True, True, True, False, False]
    # a perfect clustering of every item
    assert held_out_scores(gold, gold, held)["pairwise"] == (1.0, 1.0, 1.0)
    # held-out story b joined with training story t: 4 claimed pairs touch b, 1 is right
    pred = ["x", "x", "y", "y", "y", "y"]
    got = held_out_scores(pred, gold, held)
    assert got["pairwise"][0] == pytest.approx((1 + 1) / (1 + 5))
    assert got["pairwise"][1] == 1.0
    # BCubed precision: a-items 1, b-items 2/4
    assert got["bcubed"][0] == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    # training-only pairs never count: t split or not changes nothing for the held-out view
    pred2 = ["x", "x", "y", "y", "z", "w"]
    assert held_out_scores(pred2, gold, held)["pairwise"] == (1.0, 1.0, 1.0)
