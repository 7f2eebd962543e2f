"""`storyloom eval pairs FILE`: the product's same-story score on human-scored article pairs.

The file is SemEval-2022 Task 8's form (one JSON object a line: id1, id2, lang1, lang2,
title1, text1, title2, text2, overall 1 = same story … 4 = unrelated, kind "orig" or
"mt_translated"). Each distinct article goes into a fresh temporary SQLite store and through
the daemon's own nlp and embed stages (real entities, real vectors); then for each pair the
first article is decided against a live story made of the second, by the same
StreamingClusterer.decide the cluster stage calls. So the score is the one clustering joins
on, and the decision is its decision (join iff score >= threshold).

Pairs carry no time stamps: the articles are stored without a publication time, as an
undated feed entry would be, and the stage's usual fallback (fetch time) applies to both.
Word IDF comes from all the file's articles, as it would from a live window holding them.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from clustering.evaluate import LabelledFileError
from clustering.state import ArticleFeatures
from clustering.streaming import StreamingClusterer
from clustering.words import DocFrequencies
from core.config import Config
from store.articles import DONE, upsert_article
from store.db import open_store

logger = logging.getLogger(__name__)

SAME_MAX = 1.5  # gold overall at or below: same story
DIFFERENT_MIN = 2.5  # at or above: not the same story; between is left out
KINDS = {"orig": "real", "mt_translated": "machine_translated"}
_REQUIRED = ("id1", "id2", "lang1", "lang2", "overall")


@dataclass(frozen=True)
class Pair:
    id1: str
    id2: str
    lang1: str
    lang2: str
    title1: str
    text1: str
    title2: str
    text2: str
    overall: float
    kind: str

    @property
    def lang_pair(self) -> str:
        """Languages in alphabetical order, so en–de and de–en pairs are one group."""
        return "-".join(sorted((self.lang1, self.lang2)))


@dataclass(frozen=True)
class PairScore:
    pair: Pair
    score: float
    joined: bool
    features: dict[str, float]


def load_pairs(path: Path) -> list[Pair]:
    """Read the pairs file; a line that is not a pair is a clear error naming it."""
    path = Path(path)
    if not path.is_file():
        raise LabelledFileError(f"{path}: no such file")
    pairs = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelledFileError(f"{path}:{n}: not JSON: {exc.msg}") from exc
            missing = [k for k in _REQUIRED if not isinstance(obj, dict) or k not in obj]
            if missing:
                raise LabelledFileError(f"{path}:{n}: lacks {', '.join(missing)}")
            pairs.append(
                Pair(
                    id1=str(obj["id1"]),
                    id2=str(obj["id2"]),
                    lang1=str(obj["lang1"]),
                    lang2=str(obj["lang2"]),
                    title1=str(obj.get("title1") or ""),
                    text1=str(obj.get("text1") or ""),
                    title2=str(obj.get("title2") or ""),
                    text2=str(obj.get("text2") or ""),
                    overall=float(obj["overall"]),
                    kind=str(obj.get("kind") or "orig"),
                )
            )
    return pairs


def _articles(pairs: Sequence[Pair]) -> dict[str, tuple[str, str, str]]:
    """Distinct articles: id -> (lang, title, text); an article in many pairs is stored once."""
    out: dict[str, tuple[str, str, str]] = {}
    for p in pairs:
        out.setdefault(p.id1, (p.lang1, p.title1, p.text1))
        out.setdefault(p.id2, (p.lang2, p.title2, p.text2))
    return out


def _store_articles(engine: Engine, arts: dict[str, tuple[str, str, str]]) -> dict[str, int]:
    ids: dict[str, int] = {}
    with engine.begin() as conn:
        for key, (lang, title, text) in arts.items():
            aid, created = upsert_article(
                conn,
                url=f"https://pairs.invalid/{key}",
                canonical=f"https://pairs.invalid/{key}",
                title=title or None,
                text=text or None,
                lang=lang,
                extraction="import",
                fetch_status=DONE,
            )
            if aid is None or not created:
                raise RuntimeError(f"article {key!r} could not be stored as a new article")
            ids[key] = aid
    return ids


def featurize_pairs(pairs: Sequence[Pair], config: Config) -> dict[str, ArticleFeatures]:
    """Article id -> what the clusterer sees of it, through the real nlp and embed stages."""
    from clustering.stage import run_embed
    from clustering.stored import load_features
    from nlp.stage import run_nlp

    arts = _articles(pairs)
    with tempfile.TemporaryDirectory(prefix="storyloom-pairs-") as tmp:
        engine = open_store(f"sqlite:///{Path(tmp) / 'pairs.db'}")
        try:
            ids = _store_articles(engine, arts)
            run_nlp(engine, config)
            run_embed(engine, config)
            with engine.connect() as conn:
                c = config.clustering
                feats = load_features(conn, list(ids.values()), c.model, c.cross_model)
        finally:
            engine.dispose()
    by_key = {key: feats[aid] for key, aid in ids.items() if aid in feats}
    if len(by_key) < len(ids):
        logger.warning("articles without features", extra={"count": len(ids) - len(by_key)})
    return by_key


def score_pairs(
    pairs: Sequence[Pair], feats: dict[str, ArticleFeatures], config: Config
) -> list[PairScore]:
    """Decide article 1 of each pair against a live story made of article 2."""
    df = DocFrequencies()
    for art in feats.values():
        df.add(art.words)
    out = []
    for p in pairs:
        a, b = feats.get(p.id1), feats.get(p.id2)
        if a is None or b is None:
            continue
        clusterer = StreamingClusterer(config.clustering)
        clusterer.new_story("story", b)
        clusterer.df = df
        d = clusterer.decide(a)
        out.append(PairScore(p, d.score, d.story_id is not None, dict(d.features)))
    return out


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    if len(x) < 3:
        return None
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    finite = np.isfinite(xs)
    xs, ys = xs[finite], ys[finite]
    if len(xs) < 3 or xs.std() == 0 or ys.std() == 0:
        return None
    return float(np.corrcoef(xs, ys)[0, 1])


def same_story_prf(scored: Sequence[PairScore]) -> dict[str, float | int | None]:
    """P/R/F1 of the join decision for "same story": gold overall <= 1.5 is same, >= 2.5 is
    not, pairs between are left out (the annotators themselves were unsure)."""
    tp = fp = fn = n = 0
    for s in scored:
        if SAME_MAX < s.pair.overall < DIFFERENT_MIN:
            continue
        n += 1
        same = s.pair.overall <= SAME_MAX
        tp += same and s.joined
        fp += (not same) and s.joined
        fn += same and not s.joined
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
    return {"precision": p, "recall": r, "f1": f, "n": n}


def _group(scored: Sequence[PairScore]) -> dict[str, Any]:
    return {
        "pearson": _pearson([s.score for s in scored], [-s.pair.overall for s in scored]),
        "n": len(scored),
        "same_story": same_story_prf(scored),
    }


def summarise(scored: Sequence[PairScore]) -> dict[str, Any]:
    """The `--json` report: for real and machine-translated pairs apart, overall and per
    language pair."""
    out: dict[str, Any] = {}
    for kind, label in KINDS.items():
        rows = [s for s in scored if s.pair.kind == kind]
        by_pair: dict[str, list[PairScore]] = defaultdict(list)
        for s in rows:
            by_pair[s.pair.lang_pair].append(s)
        group = _group(rows)
        out[label] = {
            "pearson": group["pearson"],
            "same_story": group["same_story"],
            "by_pair": {lp: _group(v) for lp, v in sorted(by_pair.items())},
        }
    return out


def run_pairs_eval(file: Path, config: Config) -> dict[str, Any]:
    """Load, featurize through the stages, score and summarise a pairs file."""
    pairs = load_pairs(Path(file))
    if not pairs:
        raise LabelledFileError(f"{file}: no pairs")
    feats = featurize_pairs(pairs, config)
    return summarise(score_pairs(pairs, feats, config))


def format_report(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """Rows (group, n, pearson, precision, recall, f1) for the terminal table."""

    def fmt(v: float | None) -> str:
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"

    rows = []
    for label in KINDS.values():
        g = res[label]
        ss = g["same_story"]
        n = sum(v["n"] for v in g["by_pair"].values())
        rows.append(
            (
                label,
                str(n),
                fmt(g["pearson"]),
                fmt(ss["precision"]),
                fmt(ss["recall"]),
                fmt(ss["f1"]),
            )
        )
        for lp, v in g["by_pair"].items():
            s = v["same_story"]
            rows.append(
                (
                    f"  {lp}",
                    str(v["n"]),
                    fmt(v["pearson"]),
                    fmt(s["precision"]),
                    fmt(s["recall"]),
                    fmt(s["f1"]),
                )
            )
    return rows
