"""Cross-validated choice of the stray thresholds on the hand-checked real stories.

Usage: STORYLOOM_SHARED=../shared python bench/drafts_stray_cv.py

Each story's members get their leave-one-out fit (drafts.stray.member_fit) once; then, story
by story (folds grouped by story), the (stray_margin, stray_max_fit) pair that flags the
other stories' members best is chosen and scored on the held-out story. Prints every fold,
the worst, and the grid's best overall pair beside the configured defaults.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

_SHARED = Path(os.environ.get("STORYLOOM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
MARGINS = [round(x, 2) for x in np.arange(0.1, 0.61, 0.05)]
MAX_FITS = [round(x, 2) for x in np.arange(0.15, 0.61, 0.05)]


def _errors(story: list[tuple[float, bool]], margin: float, max_fit: float, min_n: int) -> int:
    fits = [f for f, _ in story]
    if len(fits) < min_n:
        return sum(stray for _, stray in story)
    cohesion = float(np.median(fits))
    flagged = [f < cohesion - margin and f < max_fit for f in fits]
    if sum(flagged) * 2 >= len(fits):
        flagged = [False] * len(fits)
    return sum(fl != stray for fl, (_, stray) in zip(flagged, story, strict=True))


def main() -> None:
    from clustering.embed import get_embedder
    from core.settings.clustering import ClusteringSettings
    from core.settings.drafts import DraftSettings
    from drafts.candidates import build_pool, make_article
    from drafts.stray import member_fit
    from tests.drafts.realset import real_stories

    s = DraftSettings()
    encode = get_embedder(ClusteringSettings()).encode
    stories: dict[str, list[tuple[float, bool]]] = {}
    for story, data in real_stories(_SHARED):
        arts = [make_article(m, data[m["id"]]) for m in story.members]
        pool = build_pool(arts, s, encode)
        have = [k for k, a in enumerate(arts) if a.sents]
        fit = member_fit(pool.article_vecs, have)
        stories[story.name] = [(fit[k], bool(story.members[k]["stray"])) for k in have]
    grid = list(itertools.product(MARGINS, MAX_FITS))
    n_members = sum(len(v) for v in stories.values())
    print(f"{len(stories)} stories, {n_members} members with sentences")
    worst = 1.0
    for name, held in stories.items():
        rest = [v for k, v in stories.items() if k != name]
        scores = [
            (sum(_errors(v, m, f, s.stray_min_members) for v in rest), abs(m - 0.3), m, f)
            for m, f in grid
        ]
        _, _, m, f = min(scores)
        err = _errors(held, m, f, s.stray_min_members)
        acc = 1 - err / len(held)
        worst = min(worst, acc)
        print(f"fold {name:<28} margin={m:.2f} max_fit={f:.2f} errors={err} accuracy={acc:.2f}")
    print(f"worst fold accuracy: {worst:.2f}")
    for m, f in [(s.stray_margin, s.stray_max_fit)]:
        err = sum(_errors(v, m, f, s.stray_min_members) for v in stories.values())
        print(f"configured margin={m} max_fit={f}: {err} member errors of {n_members}")


if __name__ == "__main__":
    main()
