"""Members that are possibly not this story: far below the story's own cohesion.

A clusterer sometimes lets an unrelated article into a story; it must then supply nothing
(no summary line, figure, take or entity) and the editor should see it flagged. Each
member's fit is the cosine between its vector (mean of its sentence vectors) and the mean
of the *other* members' vectors; the story's cohesion is the median fit. A member whose fit
is more than `stray_margin` below the cohesion is a stray. Relative to the story, so a loose
story (an explainer beside news items) and a tight one (wire copy) are judged alike.
"""

from __future__ import annotations

import numpy as np


def member_fit(article_vecs: np.ndarray, have: list[int]) -> dict[int, float]:
    """Leave-one-out fit of each member with sentences (index -> cosine)."""
    if len(have) < 2:
        return {k: 1.0 for k in have}
    total = article_vecs[have].sum(axis=0)
    out = {}
    for k in have:
        rest = total - article_vecs[k]
        n = float(np.linalg.norm(rest))
        out[k] = float(article_vecs[k] @ rest / n) if n > 0 else 1.0
    return out


def find_strays(
    article_vecs: np.ndarray, have: list[int], margin: float, min_members: int
) -> tuple[set[int], dict[int, float], float]:
    """(stray indexes, fit per member, cohesion). Fewer than `min_members` members with
    sentences: nobody is a stray (two articles cannot outvote each other)."""
    fit = member_fit(article_vecs, have)
    if len(have) < min_members:
        return set(), fit, float(np.median(list(fit.values()))) if fit else 1.0
    cohesion = float(np.median(list(fit.values())))
    strays = {k for k, f in fit.items() if f < cohesion - margin}
    if len(strays) * 2 >= len(have):
        strays = set()  # half the story cannot be "not this story"
    return strays, fit, cohesion
