"""Breaking flag on UCI timestamps, per fold of stories: how often the big stories are
flagged in their first hours (recall), how often a day later (stale), how often small new
stories are flagged (false alarms), for the default rule and its neighbours.

Folds group by story (5 folds by story id hash), every fold and the worst are printed.
Usage: .venv/bin/python bench/bench_breaking.py [../shared/data/uci-news-dev.csv]
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.settings.review import ReviewSettings  # noqa: E402
from store.db import make_engine, migrate  # noqa: E402
from store.velocity import BreakingRule, story_velocity, velocity_at  # noqa: E402
from tests.desk.uci import load_uci, store_uci  # noqa: E402

BIG, SMALL, FOLDS = 50, 20, 5


def fold_of(gold: str) -> int:
    return int(hashlib.sha256(gold.encode()).hexdigest(), 16) % FOLDS


def evaluate(engine, data, ids, rule: BreakingRule) -> list[dict]:  # noqa: ANN001
    per_fold = [{"big": 0, "early": 0, "stale": 0, "small": 0, "false": 0} for _ in range(FOLDS)]
    with engine.connect() as conn:
        for gold, rows in data.items():
            f = per_fold[fold_of(gold)]
            first, sid, n = rows[0]["published"], ids[gold], len(rows)
            early = story_velocity(conn, velocity_at(conn, rule, first + timedelta(hours=1)), [sid])
            if n >= BIG:
                late = velocity_at(conn, rule, first + timedelta(hours=25))
                f["big"] += 1
                f["early"] += early[sid]["breaking"]
                f["stale"] += story_velocity(conn, late, [sid])[sid]["breaking"]
            elif n < SMALL:
                f["small"] += 1
                f["false"] += early[sid]["breaking"]
    return per_fold


def _r(xs: list) -> list:
    return [None if x is None else round(x, 2) for x in xs]


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/uci-news-dev.csv")
    data = load_uci(path)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/b.db")
        migrate(engine)
        ids = store_uci(engine, data)
        r = ReviewSettings()
        base = dict(
            window_h=r.breaking_window_h,
            baseline_h=r.breaking_baseline_h,
            ratio=r.breaking_ratio,
            min_articles=r.breaking_min_articles,
        )
        for name, change in [
            ("default", {}),
            ("ratio 2", {"ratio": 2.0}),
            ("ratio 5", {"ratio": 5.0}),
            ("window 1h", {"window_h": 1.0}),
            ("min 10", {"min_articles": 10}),
        ]:
            folds = evaluate(engine, data, ids, BreakingRule(**{**base, **change}))
            rec = [f["early"] / f["big"] if f["big"] else None for f in folds]
            fa = [f["false"] / f["small"] if f["small"] else None for f in folds]
            stale = sum(f["stale"] for f in folds)
            worst = min(x for x in rec if x is not None)
            worst_fa = max(x for x in fa if x is not None)
            print(
                f"{name:10s} recall per fold {_r(rec)} worst {worst:.2f} | "
                f"false alarms per fold {_r(fa)} worst {worst_fa:.2f} | "
                f"stale flags a day later: {stale}"
            )
        n_big = sum(len(v) >= BIG for v in data.values())
        n_small = sum(len(v) < SMALL for v in data.values())
        print(f"{len(data)} stories: {n_big} with >= {BIG} articles, {n_small} with < {SMALL}")


if __name__ == "__main__":
    main()
