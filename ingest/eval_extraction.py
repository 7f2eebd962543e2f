"""Extraction quality against the article-extraction-benchmark ground truth.

Scoring follows scrapinghub/article-extraction-benchmark with one deliberate difference:
tokens are compared as a bag of single tokens (the benchmark compares 4-token shingles).
Tokenisation is the benchmark's: `re.findall(r"\\w+", text)` (Unicode word characters,
case kept, punctuation dropped). Per page: tp = |pred ∩ gold| as multisets, fp = |pred - gold|,
fn = |gold - pred|. Precision, recall and F1 are computed per page and then averaged over pages
(macro average), as the benchmark does. Edge cases also follow it: both empty -> 1.0; an empty
prediction against non-empty gold -> precision 0, recall 0.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from core.settings.crawler import CrawlerSettings
from ingest.extract import extract_article

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+")
_FETCH_PER_WORKER = 4  # fetches in flight per extraction worker: keeps the pool fed


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def token_prf(predicted: str, gold: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the bag of \\w+ tokens of `predicted` against `gold`."""
    pred, true = Counter(tokens(predicted)), Counter(tokens(gold))
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    if fp == fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def load_ground_truth(dir: Path) -> dict[str, dict[str, Any]]:
    """Pages with gold text, keyed by page id."""
    truth = json.loads((dir / "ground-truth.json").read_text(encoding="utf-8"))
    return {k: v for k, v in truth.items() if v.get("articleBody")}


def _extract_text(body: bytes, url: str | None, settings: CrawlerSettings) -> str:
    """Runs in a worker process: only picklable arguments and results cross the boundary."""
    return extract_article(body, url=url, settings=settings).text


async def evaluate(
    dir: Path,
    fetch: Callable[[str], Awaitable[bytes]] | None = None,
    *,
    settings: CrawlerSettings,
    workers: int = 2,
    progress: bool = False,
    ids: list[str] | None = None,
) -> dict:
    """Macro-averaged precision/recall/F1 and throughput over the benchmark pages.

    `fetch(page_id)` returns the page's HTML bytes (the CLI serves html/<id>.html.gz from a
    local server and fetches it through the real Fetcher); without it the files are read
    directly. `ids` restricts the run to a subset (tests use a fixed one).
    """
    dir = Path(dir)
    truth = load_ground_truth(dir)
    page_ids = [i for i in (ids or sorted(truth)) if i in truth]
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(max(1, workers) * _FETCH_PER_WORKER)
    scores: list[tuple[float, float, float]] = []
    failures: list[str] = []
    done = 0

    async def one(pool: ProcessPoolExecutor, page_id: str) -> None:
        nonlocal done
        gold = truth[page_id]["articleBody"]
        try:
            async with gate:
                if fetch is not None:
                    body = await fetch(page_id)
                else:
                    path = dir / "html" / f"{page_id}.html.gz"
                    body = await loop.run_in_executor(
                        None, lambda: gzip.decompress(path.read_bytes())
                    )
                text = await loop.run_in_executor(
                    pool, _extract_text, body, truth[page_id].get("url"), settings
                )
        except Exception as exc:  # noqa: BLE001 - a failed page scores zero and is counted
            logger.warning("page %s failed: %s: %s", page_id, type(exc).__name__, exc)
            failures.append(page_id)
            text = ""
        scores.append(token_prf(text, gold))
        done += 1
        if progress and done % 20 == 0:
            logger.info("%d/%d pages", done, len(page_ids))

    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        await asyncio.gather(*(one(pool, i) for i in page_ids))
    elapsed = time.perf_counter() - started
    n = max(1, len(scores))
    return {
        "precision": sum(s[0] for s in scores) / n,
        "recall": sum(s[1] for s in scores) / n,
        "f1": sum(s[2] for s in scores) / n,
        "pages_per_s": len(scores) / elapsed if elapsed > 0 else 0.0,
        "pages": len(scores),
        "failures": len(failures),
        "averaging": "macro (mean over pages)",
    }
