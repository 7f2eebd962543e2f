"""Fit the clustering defaults on a whole labelled file, with the procedure whose held-out
figures `storyloom eval clustering FILE --folds 5` reports (clustering/fit.py).

    python bench/fit_cluster_defaults.py ../shared/data/uci-news-dev.csv

Prints the fitted w_*, bias and thresholds as a [clustering] TOML block, and the
whole-file score (for reference only: defaults are judged by the worst held-out fold).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clustering.crossval import quiet_consolidation  # noqa: E402
from clustering.evaluate import load_labelled  # noqa: E402
from clustering.featcache import cached_features  # noqa: E402
from clustering.fit import evaluate_settings, fit_settings  # noqa: E402
from clustering.learned import LEARNED_KEYS  # noqa: E402
from core.config import load_config  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--config", type=Path, default=None, help="config.toml (defaults if none)")
    args = ap.parse_args()
    settings = load_config(args.config).clustering
    items = load_labelled(args.file)
    arts = cached_features(items, settings)
    gold = [it.cluster for it in items]
    with quiet_consolidation():
        fitted = fit_settings(arts, gold, settings)
        whole = evaluate_settings(arts, gold, fitted.settings)
    print("[clustering]")
    for key in LEARNED_KEYS:
        print(f"{key} = {getattr(fitted.settings, key)}")
    print(json.dumps({"whole_file": whole, "trace": fitted.trace}), file=sys.stderr)


if __name__ == "__main__":
    main()
