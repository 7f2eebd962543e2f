"""What tells two events on one topic apart: rhythm, specific names, actions, figures.

An embedding and a shared company name say "same topic"; an event is narrower. Four cues
a headline carries, each a feature of the join score (clustering/score.py):

- **rhythm**: the time since the story's last article measured in the story's *own* pace
  (its mean gap between articles, shrunk toward ``rhythm_prior_hours`` while it has few,
  never below ``rhythm_floor_hours``). A market wrap-up
  whose articles came within an hour is over by the next morning; a slow investigation
  with an article a day is not.
- **specific entities and words**: an IDF over *stories*, learned from the live stream
  itself (``StoryFrequencies``): a name that many live stories share ("Apple", "Wall
  Street") says little; one only this story has says a lot. ``entity_miss`` is the weight
  of the article's names the story has never used.
- **action words**: the title's content words that are not part of a name, crudely
  stemmed ("reviews", "reviewed" -> "review"): what happened, not to whom.
- **figures**: amounts in the title, normalised ("$1.8B" = "$1.8 billion"). Two stories
  quoting different amounts for the same subject are likely different events
  (``figure_clash``); the same amount is strong evidence of one (``figure_match``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from clustering.words import title_words
from nlp.numbers import parse_amount

if TYPE_CHECKING:  # state.py imports this module for the title cues
    from clustering.state import ArticleFeatures, StoryState
    from core.settings.clustering import ClusteringSettings

_FIGURE = re.compile(
    r"(?:[$€£¥]\s?)?\d[\d,]*(?:\.\d+)?\s?"
    r"(?:%|percent|per cent|trillion|billion|million|thousand|bn|tn|[mbk]\b)?",
    re.IGNORECASE,
)
_UNIT_WORDS = frozenset({"percent", "cent", "trillion", "billion", "million", "thousand", "bn"})
_SUFFIXES = ("ings", "ing", "ers", "ied", "ies", "ed", "es", "er", "s")


def stem(word: str) -> str:
    """A crude suffix stem, enough to make "review", "reviews" and "reviewed" one key."""
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            return word[: -len(suf)]
    return word


def action_words(title: str, entities: Iterable[str]) -> frozenset[str]:
    """Stemmed title words that are not part of any entity name, nor figures."""
    named = {w for e in entities for w in e.split()}
    return frozenset(
        stem(w)
        for w in title_words(title)
        if w not in named and w not in _UNIT_WORDS and not any(c.isdigit() for c in w)
    )


def figures(title: str) -> frozenset[str]:
    """Amounts in a title as keys of two significant digits with their unit; bare small
    integers and years are left out (list positions, dates, versions)."""
    keys = set()
    for m in _FIGURE.finditer(title or ""):
        parsed = parse_amount(m.group(0).strip())
        if parsed is None:
            continue
        value, unit = parsed
        if unit is None and (value < 100 or (1900 <= value <= 2100 and value.is_integer())):
            continue
        keys.add(f"{unit or ''}{float(f'{value:.2g}'):g}")
    return frozenset(keys)


class StoryFrequencies:
    """In how many live stories each key (entity, word, action) appears: the IDF that
    makes a name shared by many stories weigh little. Updated by the clusterer as stories
    gain keys, lose them, or leave; keys are prefixed by kind ("e:", "w:", "a:")."""

    def __init__(self) -> None:
        self.sf: Counter = Counter()
        self.n = 0

    def add_story(self, keys: Iterable[str]) -> None:
        self.n += 1
        self.sf.update(keys)

    def remove_story(self, keys: Iterable[str]) -> None:
        self.n = max(0, self.n - 1)
        self.sf.subtract(keys)

    def add_keys(self, keys: Iterable[str]) -> None:
        self.sf.update(keys)

    def remove_keys(self, keys: Iterable[str]) -> None:
        self.sf.subtract(keys)

    def idf(self, key: str) -> float:
        """Smoothed IDF over live stories, >= 1: a key no other story has weighs most."""
        return math.log((self.n + 1) / (max(0, self.sf.get(key, 0)) + 1)) + 1.0


def mean_gap_hours(
    first: datetime | None, last: datetime | None, n: int, settings: ClusteringSettings
) -> float:
    """A story's mean gap between articles, shrunk toward ``rhythm_prior_hours`` (counted as
    ``rhythm_prior_weight`` gaps) while it has few of its own: a one-article story has no
    rhythm yet, and the floor alone would close it to the next day's follow-up."""
    span = (last - first).total_seconds() / 3600.0 if first and last else 0.0
    gaps = max(0, n - 1)
    k = settings.rhythm_prior_weight
    return (k * settings.rhythm_prior_hours + span) / (k + gaps) if k + gaps > 0 else 0.0


def pace_hours(
    first: datetime | None, last: datetime | None, n: int, settings: ClusteringSettings
) -> float:
    """The pace consolidation measures pauses in: the mean gap, never below the floor."""
    return max(settings.rhythm_floor_hours, mean_gap_hours(first, last, n, settings))


def rhythm(
    now: datetime,
    first: datetime | None,
    last: datetime | None,
    n: int,
    settings: ClusteringSettings,
) -> float:
    """exp(-gap / pace): the gap since the story's last article over its own pace, the mean
    gap times ``rhythm_factor``, never below ``rhythm_floor_hours``."""
    if last is None:
        return 1.0
    gap = max(0.0, (now - last).total_seconds() / 3600.0)
    pace = settings.rhythm_factor * mean_gap_hours(first, last, n, settings)
    return math.exp(-gap / max(settings.rhythm_floor_hours, pace))


def article_idf(art: ArticleFeatures, sf: StoryFrequencies | None) -> dict[str, dict[str, float]]:
    """The story-IDF of the article's names ("e"), title words ("w") and action words ("a"):
    computed once per article, then used against every candidate story."""

    def idf(prefix: str, keys: Iterable[str]) -> dict[str, float]:
        return {k: (sf.idf(prefix + k) if sf is not None else 1.0) for k in keys}

    return {
        "e": idf("e:", art.entities),
        "w": idf("w:", art.words),
        "a": idf("a:", art.actions or ()),
    }


def idf_share(weights: dict[str, float], present: Counter) -> tuple[float, float]:
    """(IDF-weighted share of the keys the story has, the same share of the ones it lacks)."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0, 0.0
    hit = sum(w for k, w in weights.items() if present.get(k, 0) > 0)
    return hit / total, (total - hit) / total


def story_keys(entities: Iterable[str], words: Iterable[str], actions: Iterable[str]) -> list[str]:
    """The prefixed keys a story contributes to StoryFrequencies."""
    return [f"e:{k}" for k in entities] + [f"w:{k}" for k in words] + [f"a:{k}" for k in actions]


EVENT_FEATURES = (
    "rhythm",
    "entity_idf",
    "entity_miss",
    "word_idf",
    "action",
    "figure_match",
    "figure_clash",
)


def event_features(
    art: ArticleFeatures,
    story: StoryState,
    now: datetime,
    settings: ClusteringSettings,
    sf: StoryFrequencies | None,
    idf: dict[str, dict[str, float]] | None = None,
) -> dict[str, float]:
    """The event cues of (article, story), each in [0, 1]; see the module docstring.
    `idf` is article_idf(art, sf), when the caller scores many stories for one article."""
    idf = idf if idf is not None else article_idf(art, sf)
    entity_idf, entity_miss = idf_share(idf["e"], story.entities)
    if not story.entities:
        entity_miss = 0.0  # a story without names says nothing against the article's
    word_idf, _ = idf_share(idf["w"], story.words)
    action, _ = idf_share(idf["a"], story.actions)
    figs = art.figures or frozenset()
    matched = sum(1 for f in figs if story.figures.get(f, 0) > 0)
    return {
        "rhythm": rhythm(
            now,
            story.first,
            story.last,
            story.n,
            settings,
        ),
        "entity_idf": entity_idf,
        "entity_miss": entity_miss,
        "word_idf": word_idf,
        "action": action,
        "figure_match": matched / len(figs) if figs else 0.0,
        "figure_clash": 1.0 if figs and story.figures and not matched else 0.0,
    }
