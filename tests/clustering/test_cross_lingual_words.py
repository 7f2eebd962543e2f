"""Across languages the title-word features are unknown, not zero (clustering/score.py), and
consolidation compares stories through the cross-lingual embedding (consolidate.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from clustering.consolidate import pair_features
from clustering.score import LANGUAGE_BOUND, features
from clustering.state import ArticleFeatures, StoryState
from core.settings.clustering import ClusteringSettings

T = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _art(title: str, lang: str, vec: np.ndarray, xvec: np.ndarray) -> ArticleFeatures:
    return ArticleFeatures(
        id=title,
        vector=vec,
        title=title,
        entities=frozenset(),
        published=T,
        source="x",
        lang=lang,
        xvector=xvec,
    )


def _story(*arts: ArticleFeatures) -> StoryState:
    st = StoryState.empty(4)
    for a in arts:
        st.add(a, 8)
    return st


def _unit(*v: float) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


EN = _art("Flood barrier fails in Ostmar storm", "en", _unit(1, 0, 0, 0), _unit(1, 0.1, 0, 0))
EN2 = _art("Ostmar flood barrier fails again", "en", _unit(1, 0.2, 0, 0), _unit(1, 0.2, 0, 0))
DE = _art("Sperrwerk in Ostmar versagt", "de", _unit(0, 1, 0, 0), _unit(1, 0.15, 0, 0))
DE2 = _art("Sperrwerk versagt erneut", "de", _unit(0, 1, 0.1, 0), _unit(1, 0.1, 0.1, 0))


def test_word_features_take_the_fill_only_where_no_language_is_shared() -> None:
    s = ClusteringSettings(cross_word_fill=0.6)
    across = features(DE, _story(EN), T, s)
    assert all(across[k] == 0.6 for k in LANGUAGE_BOUND)
    same_foreign = features(DE, _story(DE2), T, s)  # German words can match German words
    assert same_foreign["words"] > 0 and same_foreign["words"] != 0.6


def test_english_only_features_do_not_depend_on_the_cross_lingual_settings() -> None:
    base = features(EN2, _story(EN), T, ClusteringSettings())
    other = ClusteringSettings(cross_word_fill=0.9, cross_scale=3.0, cross_offset=-1.0)
    assert features(EN2, _story(EN), T, other) == base


def test_story_pairs_across_languages_use_the_calibrated_cross_lingual_average() -> None:
    s = ClusteringSettings()
    en, de = _story(EN), _story(DE)
    feats = pair_features(en, de, None, s)
    assert en.xsum is not None and de.xsum is not None
    expected = s.cross_offset + s.cross_scale * float(en.xsum @ de.xsum)
    assert abs(feats["average"] - expected) < 1e-6
    assert feats["words"] == s.cross_word_fill
    # English only: the main embedding's average link, whatever the cross-lingual settings.
    other = ClusteringSettings(cross_word_fill=0.9, cross_scale=3.0, cross_offset=-1.0)
    same = pair_features(en, _story(EN2), None, s)
    assert same == pair_features(en, _story(EN2), None, other)
    assert abs(same["average"] - float(en.vsum @ _story(EN2).vsum)) < 1e-6
