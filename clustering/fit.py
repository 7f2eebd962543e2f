"""Fitting the join score and its thresholds on labelled stories.

The weights of the linear join score (clustering/score.py) are a logistic regression on
*teacher-forced* decisions: the articles are streamed in publication order into their gold
stories, and at each article every live candidate story the index proposes (plus the gold
one) gives a row of features, labelled 1 for the gold story and 0 otherwise. The
thresholds (join, merge) are then chosen by streaming the same labelled articles through
the real clusterer with each candidate value and keeping the best selection score, a
precision-leaning F-beta (``fit_beta``): a wrong merge of two events costs an editor more
than a story opened twice, which consolidation can still join.

Everything here sees only the articles it is given, so cross-validation (crossval.py)
calls it with the training folds alone.

**Time is learned only from stories that last.** A labelled file whose stories carry no
duration (every story of the UCI development file lies within 71 seconds, and a rule
"new story after a 60-second pause" alone scores BCubed 1.0 on it) cannot teach how a
story's rhythm decays: fitted on it, the rhythm weight becomes a gate that merges whatever
arrives together and splits a real story at its first pause of a few hours. Such a file is
fitted *time-free* (``fit_time``): every article is given one moment, in its order, so the
weights and thresholds come from the content cues alone, and the time weights
(``TIME_WEIGHTS``) keep the values of the settings, the bias absorbing their constant
share. Labels with real durations (an editor's store, through retrain-clustering) fit
everything.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from statistics import median

import numpy as np

from clustering.evaluate import score_labels, stream_features
from clustering.metrics import held_out_scores
from clustering.score import FEATURES, features, prepare
from clustering.state import ArticleFeatures
from clustering.streaming import StreamingClusterer
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

# The features that read the clock: kept from the settings when the labels cannot teach them.
TIME_WEIGHTS = ("rhythm", "recency")
_ONE_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)

# Join thresholds around the logistic regression's own decision point (log-odds 0), merge
# thresholds and merge pauses: few values, each a full stream of the training articles.
# Absolute, so what cross-validation measures does not depend on the current defaults.
THRESHOLD_GRID = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
MERGE_GRID = (0.3, 0.4, 0.5)  # above split_threshold (0.25), so a split never merges back
GAP_GRID = (3.0, 6.0, 12.0)  # merge_max_gap: paces of pause a merge may bridge


@dataclass
class Rows:
    """Teacher-forced (article, candidate story) rows: features, label, article index."""

    x: np.ndarray
    y: np.ndarray
    article: np.ndarray
    names: tuple[str, ...] = FEATURES


@dataclass
class FitResult:
    settings: ClusteringSettings
    selection: float
    trace: list[dict] = field(default_factory=list)


def teacher_forced_rows(
    arts: Sequence[ArticleFeatures], gold: Sequence[Hashable], settings: ClusteringSettings
) -> Rows:
    """Rows of every decision the clusterer would face if it always chose right."""
    cl = StreamingClusterer(settings)
    order = sorted(range(len(arts)), key=lambda i: arts[i].published)
    live_key: dict[Hashable, tuple] = {}  # gold label -> its story's key while live
    xs: list[list[float]] = []
    ys: list[int] = []
    who: list[int] = []
    for i in order:
        art = arts[i]
        cl.expire(art.published)
        key = live_key.get(gold[i])
        if key is not None and key not in cl.stories:  # expired: a new instance of it
            key = (gold[i], key[1] + 1)
        key = key or (gold[i], 0)
        live_key[gold[i]] = key
        horizon = art.published - timedelta(hours=settings.window_hours)
        cands = cl.candidates(art)
        prep = prepare(art, cl.df, cl.sf)
        if key in cl.stories:
            cands.add(key)
        for sid in cands:
            st = cl.stories.get(sid)
            if st is None or (st.last is not None and st.last < horizon):
                continue
            f = features(art, st, art.published, settings, cl.df, cl.sf, prep)
            xs.append([f[k] for k in FEATURES])
            ys.append(1 if sid == key else 0)
            who.append(i)
        if key in cl.stories:
            cl.add_article(key, art)
        else:
            cl.new_story(key, art)
    x = np.asarray(xs, dtype=np.float64).reshape(-1, len(FEATURES))
    return Rows(x, np.asarray(ys), np.asarray(who))


def fit_weights(rows: Rows, l2: float) -> dict[str, float]:
    """Logistic regression on the rows; returns ``w_<feature>`` and ``bias`` settings."""
    from sklearn.linear_model import LogisticRegression

    if len(set(rows.y.tolist())) < 2:
        raise ValueError("fitting the join score needs both joins and non-joins")
    model = LogisticRegression(C=1.0 / l2, max_iter=2000)
    model.fit(rows.x, rows.y)
    out = {f"w_{k}": round(float(w), 4) for k, w in zip(rows.names, model.coef_[0], strict=True)}
    out["bias"] = round(float(model.intercept_[0]), 4)
    return out


def f_beta(p: float, r: float, beta: float) -> float:
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r) if p + r > 0 else 0.0


def selection_score(res: dict, beta: float) -> float:
    """Mean of BCubed and pairwise F-beta: both views of the clustering, precision-leaning."""
    return 0.5 * (
        f_beta(res["bcubed"]["precision"], res["bcubed"]["recall"], beta)
        + f_beta(res["pairwise"]["precision"], res["pairwise"]["recall"], beta)
    )


def evaluate_settings(
    arts: Sequence[ArticleFeatures],
    gold: Sequence[Hashable],
    settings: ClusteringSettings,
    held: Sequence[bool] | None = None,
) -> dict:
    """Stream `arts` with `settings`; score every item, or only the `held` ones (among all)."""
    labels, _stats = stream_features(arts, settings)
    if held is None:
        return score_labels(labels, list(gold))
    got = held_out_scores(labels, list(gold), list(held))
    res: dict = {
        view: dict(zip(("precision", "recall", "f1"), got[view], strict=True))
        for view in ("pairwise", "bcubed")
    }
    res["stories"] = len({lab for lab, h in zip(labels, held, strict=True) if h})
    res["gold_stories"] = len({g for g, h in zip(gold, held, strict=True) if h})
    return res


def median_story_span_hours(arts: Sequence[ArticleFeatures], gold: Sequence[Hashable]) -> float:
    """The median time from first to last article over the stories with two or more."""
    times: dict[Hashable, list[datetime]] = {}
    for art, g in zip(arts, gold, strict=True):
        times.setdefault(g, []).append(art.published)
    spans = [(max(t) - min(t)).total_seconds() / 3600 for t in times.values() if len(t) > 1]
    return median(spans) if spans else 0.0


def learns_time(
    arts: Sequence[ArticleFeatures], gold: Sequence[Hashable], settings: ClusteringSettings
) -> bool:
    """Whether these labels can teach the time weights (``fit_time``)."""
    if settings.fit_time != "auto":
        return settings.fit_time == "learn"
    return median_story_span_hours(arts, gold) >= settings.fit_min_story_span_hours


def one_moment(arts: Sequence[ArticleFeatures]) -> list[ArticleFeatures]:
    """The articles in their order, all within a second: the clock says nothing."""
    order = sorted(range(len(arts)), key=lambda i: arts[i].published)
    out = list(arts)
    for rank, i in enumerate(order):
        out[i] = replace(arts[i], published=_ONE_MOMENT + timedelta(microseconds=rank))
    return out


def keep_time_weights(fitted: dict[str, float], base: ClusteringSettings) -> dict[str, float]:
    """Fitted weights with the time weights of `base`: fitted time-free, each time feature
    was 1 for every row, so its weight is only a share of the bias, which takes it back."""
    out = dict(fitted)
    for name in TIME_WEIGHTS:
        key = f"w_{name}"
        out["bias"] = round(out["bias"] + out[key] - getattr(base, key), 4)
        out[key] = getattr(base, key)
    return out


def fit_settings(
    arts: Sequence[ArticleFeatures],
    gold: Sequence[Hashable],
    base: ClusteringSettings,
    *,
    refit_weights: bool = True,
) -> FitResult:
    """Weights by logistic regression, then the join and merge thresholds by streaming."""
    trace: list[dict] = []
    current = base
    timed = learns_time(arts, gold, base)
    if not timed:
        trace.append({"time_free": True, "median_span_h": median_story_span_hours(arts, gold)})
        arts = one_moment(arts)
    if refit_weights:
        rows = teacher_forced_rows(arts, gold, base)
        weights = fit_weights(rows, base.fit_l2)
        current = base.model_copy(update=weights if timed else keep_time_weights(weights, base))
        trace.append({"rows": len(rows.y), "joins": int(rows.y.sum())})

    def pick(options: list[dict[str, float]]) -> float:
        nonlocal current
        best_u, best_s = None, -1.0
        for update in options:
            cand = current.model_copy(update=update)
            if cand.split_threshold >= cand.merge_threshold:
                continue
            res = evaluate_settings(arts, gold, cand)
            sc = selection_score(res, base.fit_beta)
            trace.append({**update, "selection": round(sc, 4)})
            if sc > best_s:
                best_u, best_s = update, sc
        assert best_u is not None
        current = current.model_copy(update=best_u)
        return best_s

    thresholds = [round(t, 3) for t in THRESHOLD_GRID] if refit_weights else []
    if not thresholds:
        thresholds = [round(current.threshold + d, 3) for d in THRESHOLD_GRID]
    # join and merge thresholds together: one after the other, the first choice would
    # depend on the other's current default, and what is measured on the defaults
    best = pick([{"threshold": t, "merge_threshold": m} for t in thresholds for m in MERGE_GRID])
    if timed:  # without a clock every pause is nil: nothing to choose
        best = pick([{"merge_max_gap": g} for g in GAP_GRID])
    logger.info("clustering settings fitted", extra={"selection": round(best, 4)})
    return FitResult(current, best, trace)
