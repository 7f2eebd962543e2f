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
