"""Consolidation that cannot snowball: vetoes on merges, and a split at a story's pause.

A merge by pair score alone chains: A joins B because they share a topic, the union then
reaches C, and a platform's executive interview ends up with a game's reviews. So before
any merge the two sides must also agree as events:

- their average link (mean cosine over all member pairs) is at least ``merge_min_average``;
- when both have a signature of specific names (entities in ``merge_signature_share`` of
  their members, not shared by half of all live stories), one side's signature is named
  somewhere in the other: two stories about one company but different people or products
  stay apart;
- the pause between them is within ``merge_max_gap`` of their own pace (two days of
  market wrap-ups are two events, however alike the words).

A story can still have absorbed two events article by article. Besides the 2-means
split, a story whose members came in two bursts, separated by a pause far longer than
either burst's own pace (``split_gap_factor``), is split there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from clustering.event import StoryFrequencies, pace_hours
from clustering.state import ArticleFeatures, StoryState
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)


def gap_hours(a: StoryState, b: StoryState) -> float:
    """Hours between the two stories' time spans (0 when they overlap)."""
    if None in (a.first, a.last, b.first, b.last):
        return 0.0
    assert a.first and a.last and b.first and b.last
    gap = max((b.first - a.last).total_seconds(), (a.first - b.last).total_seconds(), 0.0)
    return gap / 3600.0


def _named(st: StoryState) -> set[str]:
    """Every name at least one member of the story uses."""
    return {e for e, c in st.entities.items() if c > 0}


def signature(st: StoryState, sf: StoryFrequencies | None, share: float) -> set[str]:
    """The story's specific names: entities in at least `share` of its members that fewer
    than half of the live stories use (ubiquitous names identify no event)."""
    need = max(1.0, share * st.n)
    out = set()
    for e, c in st.entities.items():
        if c < need:
            continue
        if sf is not None and sf.n >= 4 and sf.sf.get(f"e:{e}", 0) * 2 > sf.n:
            continue
        out.add(e)
    return out


def merge_veto(
    a: StoryState,
    b: StoryState,
    feats: dict[str, float],
    settings: ClusteringSettings,
    sf: StoryFrequencies | None,
) -> str | None:
    """Why two stories must not merge although their pair score says so, or None."""
    if not settings.merge_vetoes:
        return None
    if feats["average"] < settings.merge_min_average:
        return f"low average link {feats['average']:.2f} < {settings.merge_min_average:.2f}"
    sig_a = signature(a, sf, settings.merge_signature_share)
    sig_b = signature(b, sf, settings.merge_signature_share)
    # each side's core names absent from everything the other side names: a name in only
    # some of a small story's members is no disagreement
    if sig_a and sig_b and not sig_a & _named(b) and not sig_b & _named(a):
        names = ", ".join(sorted(sig_a)[:3]) + " vs " + ", ".join(sorted(sig_b)[:3])
        return f"different specific entities ({names})"
    pace = max(pace_hours(s.first, s.last, s.n, settings) for s in (a, b))
    gap = gap_hours(a, b)
    if gap > settings.merge_max_gap * pace:
        return f"far apart in time: {gap:.1f} h apart, paces {pace:.1f} h"
    return None


def plan_pause_split(
    members: Sequence[ArticleFeatures], settings: ClusteringSettings
) -> tuple[list[ArticleFeatures], list[ArticleFeatures], float] | None:
    """(earlier burst, later burst, pause in paces) when the story's longest pause is
    `split_gap_factor` times longer than both bursts' own pace, else None."""
    if len(members) < settings.split_min_members:
        return None
    arts = sorted(members, key=lambda a: a.published)
    times = [a.published for a in arts]
    k = settings.split_min_part
    best, best_gap = None, 0.0
    for i in range(k, len(arts) - k + 1):
        gap = (times[i] - times[i - 1]).total_seconds() / 3600.0
        if gap > best_gap:
            best, best_gap = i, gap
    if best is None:
        return None
    pace = max(
        pace_hours(times[0], times[best - 1], best, settings),
        pace_hours(times[best], times[-1], len(arts) - best, settings),
    )
    ratio = best_gap / pace
    if ratio < settings.split_gap_factor:
        return None
    return arts[:best], arts[best:], ratio
