"""Real multi-source stories for the draft tests and the benchmark, read from ../shared.

Two kinds, as the issue asks:
- UCI News Aggregator rows (titles only: each becomes an article whose text is its title),
  grouped by the dataset's own STORY id, one outlet per article;
- pages of the article-extraction benchmark, their gold body text, with the page's own
  <title> (outlet suffixes and all), grouped by hand into stories several outlets covered.
Both are written as JSON Lines for `storyloom import`, never copied into the repo.
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

# Benchmark pages (by file-name prefix) that report the same event, with a readable outlet.
BENCHMARK_STORIES: dict[str, list[tuple[str, str]]] = {
    "feather-duvet-lung": [
        ("7bb1ca90", "Gizmodo"),
        ("9eef8162", "MSN"),
        ("a078b365", "Forbes"),
        ("bd673bd7", "Live Science"),
    ],
    "china-plague": [
        ("432362af", "New York Post"),
        ("8b194530", "The Sun"),
        ("ba4dfe2d", "Daily Express"),
        ("ea25dd7e", "Smithsonian"),
    ],
    "europa-water": [
        ("14cc2a0c", "ScienceAlert"),
        ("686bb170", "Space.com"),
        ("f344ca5f", "Hawaii News Now"),
    ],
}
# UCI stories with several outlets and figures in their titles (agreeing and disagreeing).
UCI_STORIES: dict[str, str] = {
    "colorado-marijuana-tax": "d__jcKruuebDhTMfkhbUJpI3MBjEM",
    "mens-wearhouse-jos-a-bank": "do6Vg-oWU1TOTeMhVmlSXEHyzSaoM",
}
UCI_PER_STORY = 8
_T0 = datetime(2019, 11, 18, 8, 0, tzinfo=UTC)


def _page(bench: Path, prefix: str) -> Path:
    found = sorted((bench / "html").glob(f"{prefix}*.html.gz"))
    if len(found) != 1:
        raise FileNotFoundError(f"benchmark page {prefix}* not found in {bench / 'html'}")
    return found[0]


def page_title(path: Path) -> str:
    """The page's <title>, unescaped and on one line (outlet suffix left in on purpose)."""
    raw = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    m = re.search(r"<title[^>]*>(.*?)</title>", raw, re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(m.group(1))).strip() if m else ""


def benchmark_rows(shared: Path, stories: Iterable[str] | None = None) -> list[dict]:
    """JSONL rows (url, title, text, source, published, story) for the chosen stories."""
    bench = shared / "corpora" / "article-extraction-benchmark"
    gold = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    by_prefix = {k[:8]: v for k, v in gold.items()}
    rows = []
    for name in stories or BENCHMARK_STORIES:
        for k, (prefix, outlet) in enumerate(BENCHMARK_STORIES[name]):
            g = by_prefix[prefix]
            rows.append(
                {
                    "url": g["url"],
                    "title": page_title(_page(bench, prefix)),
                    "text": g["articleBody"],
                    "source": outlet,
                    "published": (_T0 + timedelta(hours=k)).isoformat(),
                    "story": name,
                }
            )
    return rows


def _unescape_uci(s: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", s)).strip()


def uci_rows(shared: Path, stories: dict[str, str] | None = None, per_story: int = 0) -> list[dict]:
    """Title-only rows, one per outlet, the first `per_story` of each chosen UCI story."""
    path = shared / "data" / "uci-news-dev.csv"
    wanted = {v: k for k, v in (stories or UCI_STORIES).items()}
    rows: list[dict] = []
    taken: dict[str, set[str]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name = wanted.get(r["STORY"])
            if name is None:
                continue
            outlet = _unescape_uci(r["PUBLISHER"])
            seen = taken.setdefault(name, set())
            title = _unescape_uci(r["TITLE"])
            if outlet in seen or not title or (per_story and len(seen) >= per_story):
                continue
            seen.add(outlet)
            url = _unescape_uci(r["URL"])
            if not urlsplit(url).scheme:
                continue
            rows.append(
                {
                    "url": url,
                    "title": title,
                    "text": title,
                    "source": outlet,
                    "published": datetime.fromtimestamp(
                        int(r["TIMESTAMP"]) / 1000, UTC
                    ).isoformat(),
                    "story": name,
                }
            )
    return rows


def write_jsonl(rows: Iterable[dict], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
