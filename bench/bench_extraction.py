"""Extraction quality and speed on the article-extraction-benchmark corpus.

Usage: PYTHONPATH=. python bench/bench_extraction.py [DIR] [--workers N] [--repeat K]
Prints token precision/recall/F1 (macro over pages, see ingest/eval_extraction.py) and pages/s.
The process pool is started inside the timed run, as the CLI does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path

from core.settings.crawler import CrawlerSettings
from ingest.eval_extraction import evaluate

_SHARED = Path(os.environ.get("STORYLOOM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEFAULT_DIR = _SHARED / "corpora/article-extraction-benchmark"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="runs; speed varies on a busy box")
    args = parser.parse_args()
    for run in range(args.repeat):
        result = asyncio.run(evaluate(args.dir, settings=CrawlerSettings(), workers=args.workers))
        print(
            f"run {run + 1}: "
            + json.dumps(
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items()}
            )
        )


if __name__ == "__main__":
    main()
