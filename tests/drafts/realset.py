"""The hand-checked real stories of tests/drafts/realset.json, built from ../shared.

Benchmark pages go through the crawler's own extractor (trafilatura), so their text keeps
what real pages carry: kickers, captions, bylines, related-link lists. News-pairs articles
and UCI titles are used as stored. Each story also gets the member(s) its spec calls stray:
an unrelated page or title that a clusterer could have joined by mistake.

Analyses (real spaCy) are cached under /tmp/<branch>-cache keyed by the nlp/ sources, so a
change to quote or figure extraction recomputes them.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.drafts.corpus import _unescape_uci

SPEC = Path(__file__).with_name("realset.json")
ROOT = Path(__file__).resolve().parents[2]
CACHE = Path("/tmp/drafts-cache")
_T0 = datetime(2019, 11, 18, 8, 0, tzinfo=UTC)


@dataclass
class RealStory:
    name: str
    tuned: bool
    members: list[dict[str, Any]]  # story_articles-like rows; "stray": True for distractors

    @property
    def stray_ids(self) -> set[int]:
        return {m["id"] for m in self.members if m["stray"]}


def load_spec() -> list[dict[str, Any]]:
    return json.loads(SPEC.read_text(encoding="utf-8"))["stories"]


def _benchmark(shared: Path, prefix: str) -> dict[str, Any]:
    from core.settings.crawler import CrawlerSettings
    from ingest.extract import extract_article

    bench = shared / "corpora" / "article-extraction-benchmark"
    found = sorted((bench / "html").glob(f"{prefix}*.html.gz"))
    if len(found) != 1:
        raise FileNotFoundError(f"benchmark page {prefix}* not found")
    gold = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    url = gold[found[0].name.removesuffix(".html.gz")]["url"]
    ex = extract_article(gzip.decompress(found[0].read_bytes()), url, settings=CrawlerSettings())
    return {"title": ex.title or "", "text": ex.text, "url": url, "author": ex.author}


def _pairs(shared: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with (shared / "data" / "news-pairs-dev.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            for side in ("1", "2"):
                out.setdefault(
                    str(r["id" + side]),
                    {
                        "title": r["title" + side] or "",
                        "text": r["text" + side],
                        "lang": r["lang" + side],
                    },
                )
    return out


def _uci(shared: Path, story: str, n: int, skip: int = 0) -> list[dict[str, Any]]:
    rows, seen = [], set()
    with (shared / "data" / "uci-news-dev.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            outlet = _unescape_uci(r["PUBLISHER"])
            if r["STORY"] != story or outlet in seen:
                continue
            seen.add(outlet)
            if len(seen) <= skip:
                continue
            title = _unescape_uci(r["TITLE"])
            rows.append(
                {"title": title, "text": title, "url": _unescape_uci(r["URL"]), "outlet": outlet}
            )
            if len(rows) >= n:
                break
    return rows


def build_members(shared: Path, spec: dict[str, Any], first_id: int) -> list[dict[str, Any]]:
    pairs = _pairs(shared) if spec.get("pairs") else {}
    raw: list[tuple[dict[str, Any], bool]] = []
    for key in ("benchmark", "stray"):
        for prefix, outlet in spec.get(key, []):
            raw.append(({**_benchmark(shared, prefix), "outlet": outlet}, key == "stray"))
    for aid, outlet in spec.get("pairs", []):
        p = pairs[aid]
        raw.append(({**p, "url": f"https://pairs.example/{aid}", "outlet": outlet}, False))
    for key in ("uci", "stray_uci"):
        for story, n in spec.get(key, []):
            raw.extend((r, key == "stray_uci") for r in _uci(shared, story, n))
    members = []
    for k, (r, stray) in enumerate(raw):
        members.append(
            {
                "id": first_id + k,
                "title": r.get("title") or "",
                "text": r.get("text") or "",
                "url": r["url"],
                "outlet": r["outlet"],
                "author": r.get("author"),
                "lang": r.get("lang") or "en",
                "region": "Global",
                "published_at": _T0 + timedelta(hours=k),
                "lens": {"lens": "unlabelled", "provenance": "none", "confidence": None},
                "stray": stray,
            }
        )
    return members


def _nlp_version() -> str:
    h = hashlib.sha1()
    for p in sorted((ROOT / "nlp").glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def analyse_members(members: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Real spaCy analyses of the members, cached by text and nlp/ source version."""
    from core.settings.nlp import NlpSettings
    from nlp.analyse import analyse_texts

    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(
        (_nlp_version() + json.dumps([(m["title"], m["text"]) for m in members])).encode()
    ).hexdigest()[:16]
    path = CACHE / f"realset-{key}.json"
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    else:
        data = analyse_texts(
            [m["text"] for m in members],
            [m["lang"] for m in members],
            NlpSettings(n_process=1),
            titles=[m["title"] for m in members],
        )
        path.write_text(json.dumps(data), encoding="utf-8")
    return {m["id"]: d for m, d in zip(members, data, strict=True)}


def real_stories(shared: Path) -> list[tuple[RealStory, dict[int, dict[str, Any]]]]:
    out = []
    for k, spec in enumerate(load_spec()):
        members = build_members(shared, spec, first_id=1000 * (k + 1))
        out.append(
            (RealStory(spec["name"], bool(spec["tuned"]), members), analyse_members(members))
        )
    return out


def draft_story(story: RealStory, data: dict[int, dict[str, Any]], encode: Any) -> dict[str, Any]:
    from core.settings.drafts import DraftSettings
    from drafts.build import build_draft

    return dict(
        build_draft(
            {"id": None, "slug": story.name},
            story.members,
            data,
            settings=DraftSettings(),
            taxonomy=["politics", "business", "technology", "society"],
            encode=encode,
        )
    )
