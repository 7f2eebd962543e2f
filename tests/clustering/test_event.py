"""The event cues of the join score on real headlines: figures, action words, the story
IDF kept by the clusterer as stories come and go, and the rhythm of a story."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from clustering.event import action_words, figures, rhythm, stem
from clustering.state import ArticleFeatures
from clustering.streaming import StreamingClusterer
from core.settings.clustering import ClusteringSettings

T0 = datetime(2014, 3, 10, 12, 0, tzinfo=UTC)


def test_figures_are_normalised_and_small_numbers_years_dropped() -> None:
    assert figures("Men's Wearhouse to buy Jos. A. Bank for $1.8 billion") == figures(
        "Men's Wearhouse, Jos. A. Bank agree to $1.8B merger"
    )
    assert figures("Colorado raises $2M in marijuana taxes") != figures(
        "Colorado raises $3.5M in marijuana taxes"
    )
    assert figures("Top 10 stocks to watch in 2014") == frozenset()
    assert figures("Chrysler recalls 25000 Jeeps") == {"25000"}


def test_action_words_leave_out_names_and_figures() -> None:
    words = action_words("Apple reviews: iPhone 6 reviewed for $199 billion", {"apple", "iphone"})
    assert words == {stem("reviews")} and stem("reviewed") == stem("reviews") == "review"


def _art(i: int, ents: set[str], t: datetime, title: str = "x") -> ArticleFeatures:
    v = np.zeros(8, np.float32)
    v[i % 8] = 1.0
    return ArticleFeatures(f"a{i}", v, title, frozenset(ents), t, "wire")


def test_story_frequencies_follow_live_stories() -> None:
    cl = StreamingClusterer(ClusteringSettings())
    cl.new_story(1, _art(1, {"apple", "tim cook"}, T0))
    cl.new_story(2, _art(2, {"apple", "nintendo"}, T0))
    cl.add_article(2, _art(3, {"apple", "wii u"}, T0))
    assert cl.sf.n == 2 and cl.sf.sf["e:apple"] == 2 and cl.sf.sf["e:wii u"] == 1
    # a name every live story shares weighs less than one only a single story has
    assert cl.sf.idf("e:apple") < cl.sf.idf("e:nintendo")
    cl.remove_article(2, _art(3, {"apple", "wii u"}, T0))
    assert cl.sf.sf["e:wii u"] == 0 and cl.sf.sf["e:apple"] == 2
    cl.merge_stories(1, 2)
    assert cl.sf.n == 1 and cl.sf.sf["e:apple"] == 1 and cl.sf.sf["e:nintendo"] == 1
    cl.expire(T0 + timedelta(hours=ClusteringSettings().window_hours + 1))
    assert cl.sf.n == 0 and +cl.sf.sf == {}


# A floor of an hour, pace three mean gaps, and a prior of one 24-hour gap (on, unlike the
# default), so both the story's own rhythm and the prior are exercised.
PRIOR_PACE = ClusteringSettings(
    rhythm_floor_hours=1.0, rhythm_factor=3.0, rhythm_prior_hours=24.0, rhythm_prior_weight=1.0
)


def test_rhythm_is_measured_in_the_story_own_pace() -> None:
    s = PRIOR_PACE
    # a burst story (forty articles within ten minutes) is cold six hours later ...
    burst = rhythm(T0 + timedelta(hours=6), T0, T0 + timedelta(minutes=10), 40, s)
    # ... a slow story (an article every five hours) is not
    slow = rhythm(T0 + timedelta(hours=48), T0, T0 + timedelta(hours=45), 10, s)
    assert burst < 0.1 < 0.5 < slow
    assert rhythm(T0, None, None, 0, s) == 1.0
    assert rhythm(T0, T0, T0, 1, s) == pytest.approx(1.0)


def test_a_young_story_keeps_the_prior_pace_until_its_own_gaps_outweigh_it() -> None:
    s = PRIOR_PACE
    next_day = T0 + timedelta(hours=27)
    # one article, no rhythm of its own: the next day's follow-up still fits (prior pace)
    assert rhythm(next_day, T0, T0, 1, s) > 0.6
    # without the prior the floor of an hour shuts it, which split multi-day stories
    assert rhythm(next_day, T0, T0, 1, s.model_copy(update={"rhythm_prior_weight": 0})) < 1e-6
    # forty articles in ten minutes outweigh the prior: the same pause means a new event
    assert rhythm(next_day, T0, T0 + timedelta(minutes=10), 40, s) < 1e-3
