"""Takes: each source's own angle, and syndicated copy folded into one take.

Syndication: outlets often print the same wire text under their own names, trimmed or
re-headlined, so exact-duplicate tests miss it. Two members are the same copy when at least
`syndication_share` of the shorter one's sentences have a near-identical sentence
(`syndication_similarity`) in the other; the groups are closed transitively. The member with
the most sentences (the fullest copy) carries the take, the others are listed as "also ran",
so a reprint never counts as a perspective.
"""

from __future__ import annotations

import numpy as np

from core.settings.drafts import DraftSettings
from drafts.candidates import Article, Pool
from drafts.shape import is_claim, is_title


def syndicated(pool: Pool, articles: list[Article], s: DraftSettings) -> dict[int, list[int]]:
    """Representative article index -> the indexes of its reprints (members only when some)."""
    have = [k for k, a in enumerate(articles) if a.sents]
    parent = {k: k for k in have}

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for x, i in enumerate(have):
        vi = pool.vecs[articles[i].sents]
        for j in have[x + 1 :]:
            vj = pool.vecs[articles[j].sents]
            sims = vi @ vj.T
            small, axis = (vi, 1) if len(vi) <= len(vj) else (vj, 0)
            shared = float((sims.max(axis=axis) >= s.syndication_similarity).mean())
            if len(small) >= 2 and shared >= s.syndication_share:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for k in have:
        groups.setdefault(root(k), []).append(k)
    out = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        rep = max(members, key=lambda k: (len(articles[k].sents), -k))
        out[rep] = [k for k in members if k != rep]
    return out


def gist_mask(pool: Pool) -> np.ndarray:
    """Sentences that can be a gist: complete declarative claims of a body (a title-only
    article's title stands for its body)."""
    return np.array(
        [
            is_title(t) if pool.sent_i[i] < 0 else is_claim(t, pool.finite[i])
            for i, t in enumerate(pool.texts)
        ],
        dtype=bool,
    )


def repeats(
    pool: Pool, articles: list[Article], picks: dict[int, int], s: DraftSettings
) -> dict[int, str]:
    """Article index -> the outlet whose sentence its gist nearly repeats, for the takes
    whose most distinctive sentence is still one another source printed (the draft says
    so instead of passing a repeat off as an angle)."""
    owner = np.asarray(pool.owner)
    out = {}
    for k, i in picks.items():
        sims = pool.vecs @ pool.vecs[i]
        sims[owner == k] = -1.0
        j = int(np.argmax(sims)) if len(sims) else -1
        if j >= 0 and sims[j] >= s.near_duplicate:
            out[k] = articles[pool.owner[j]].outlet
    return out
