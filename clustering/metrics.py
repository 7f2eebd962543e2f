"""Clustering quality against gold labels: pairwise and BCubed precision/recall/F1.

Pairs are counted from the contingency table (sum of C(n_ij, 2)), never by looping over
article pairs, so a 100k-article evaluation costs the same as reading the labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def _check(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> None:
    if len(pred) != len(gold):
        raise ValueError(f"pred has {len(pred)} labels, gold has {len(gold)}")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_prf(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """Precision/recall/F1 over same-cluster article pairs. With no pair predicted (or none
    in gold) the corresponding ratio is 1.0 by convention: nothing claimed, nothing wrong."""
    _check(pred, gold)
    both = sum(_pairs(c) for c in Counter(zip(pred, gold, strict=True)).values())
    pred_pairs = sum(_pairs(c) for c in Counter(pred).values())
    gold_pairs = sum(_pairs(c) for c in Counter(gold).values())
    p = both / pred_pairs if pred_pairs else 1.0
    r = both / gold_pairs if gold_pairs else 1.0
    return p, r, _f1(p, r)


def bcubed_prf(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """BCubed (Bagga & Baldwin): per-item precision |C∩G|/|C| and recall |C∩G|/|G|,
    averaged over items; computed per contingency cell, weighted by its size."""
    _check(pred, gold)
    n = len(pred)
    if n == 0:
        return 1.0, 1.0, 1.0
    cells = Counter(zip(pred, gold, strict=True))
    psize, gsize = Counter(pred), Counter(gold)
    p = sum(c * c / psize[pl] for (pl, _), c in cells.items()) / n
    r = sum(c * c / gsize[gl] for (_, gl), c in cells.items()) / n
    return p, r, _f1(p, r)


def held_out_scores(
    pred: Sequence[Hashable], gold: Sequence[Hashable], held: Sequence[bool]
) -> dict[str, tuple[float, float, float]]:
    """Pairwise and BCubed P/R/F1 of the `held` items within a clustering of all items.

    Cross-validation streams the held-out stories among the training ones, so the decisions
    face as many neighbouring stories as on real data; only the held-out items are scored,
    but a held-out article that lands in a training story counts against precision (its
    cluster holds articles of another story). Pairs with no held-out member are ignored.
    """
    _check(pred, gold)
    _check(pred, held)
    cells = Counter((p, g) for p, g, h in zip(pred, gold, held, strict=True) if h)
    size = Counter(pred)
    held_size = Counter(p for p, h in zip(pred, held, strict=True) if h)
    gsize = Counter(g for g, h in zip(gold, held, strict=True) if h)
    n = sum(gsize.values())
    if n == 0:
        return {"pairwise": (1.0, 1.0, 1.0), "bcubed": (1.0, 1.0, 1.0)}
    both = sum(_pairs(c) for c in cells.values())
    # pairs with at least one held-out member: all pairs of the cluster minus training-only
    claimed = sum(_pairs(size[c]) - _pairs(size[c] - held_size[c]) for c in held_size)
    gold_pairs = sum(_pairs(c) for c in gsize.values())
    pp = both / claimed if claimed else 1.0
    pr = both / gold_pairs if gold_pairs else 1.0
    bp = sum(c * c / size[p] for (p, _), c in cells.items()) / n
    br = sum(c * c / gsize[g] for (_, g), c in cells.items()) / n
    return {"pairwise": (pp, pr, _f1(pp, pr)), "bcubed": (bp, br, _f1(bp, br))}
