"""Every feedparser test file, parsed from bytes plus its `Header:` lines as HTTP headers.

Parametrised over the files found on disk; ids are the paths relative to the corpus. Expect
expressions are evaluated the way feedparser's own harness does: eval with the result's keys
as local names (feedparser's FeedParserDict allows attribute access such as `feed.title`).
"""

from __future__ import annotations

import datetime
import os
import re
import time
from pathlib import Path

import feedparser
import pytest

from ingest.feeds import ParsedFeed, parse_feed

ROOT = Path(os.environ.get("STORYLOOM_SHARED", Path(__file__).resolve().parents[3] / "shared"))
CORPUS = ROOT / "corpora" / "feedparser"
FILES = sorted(p for p in CORPUS.rglob("*.xml")) if CORPUS.is_dir() else []
DEFAULT_TYPE = "application/xml"  # what its test server guessed for .xml
BASE = "http://127.0.0.1:8097/"  # the base URL feedparser's harness served these files from

_META = re.compile(rb"^\s*(Description|Expect|Header|SkipUnless):\s*(.*?)\s*$", re.M)

# Expectations we deliberately do not meet, each with its reason (never a blanket skip).
_OWN_FETCH = "set by feedparser's own HTTP fetcher, which we never use; our Fetcher handles it"
KNOWN_DIFFERENCES: dict[str, str] = {
    "wellformed/http/headers_etag.xml": f"result['etag'] is {_OWN_FETCH}",
    "wellformed/http/headers_last_modified-modified_parsed.xml": f"modified_parsed is {_OWN_FETCH}",
}
# In illformed/ but well-formed XML: feedparser's own Expect there is about content, not bozo.
NOT_BOZO_ILLFORMED: dict[str, str] = {
    "illformed/always_strip_doctype.xml": "feedparser strips the bogus DOCTYPE; Expect: not bozo",
    "illformed/geo/georss_point_no_coords.xml": "valid XML, empty coordinates (Expect: where=={})",
    "illformed/geo/georss_polygon_insufficient_coords.xml": "valid XML, too few coordinates",
    "illformed/geo/gml_point.xml": "valid XML; the test is about GML point parsing",
}


def _meta(path: Path) -> tuple[str | None, dict[str, str], str | None]:
    head = path.read_bytes()[:2000]
    expect, skip_unless, headers = None, None, {}
    for key, value in _META.findall(head):
        text = value.decode("utf-8", "replace")
        if key == b"Expect":
            expect = text
        elif key == b"SkipUnless":
            skip_unless = text
        elif key == b"Header" and ":" in text:
            name, val = text.split(":", 1)
            headers[name.strip().lower()] = val.strip()
    # feedparser's harness served files with the guessed type when no Header: named one
    headers.setdefault("content-type", DEFAULT_TYPE)
    return expect, headers, skip_unless


def _ids(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _namespace(parsed: ParsedFeed) -> dict:
    env = feedparser.FeedParserDict(parsed.raw)
    return env


@pytest.mark.parametrize("path", FILES, ids=_ids)
def test_feed_file(path: Path, feed_corpus: Path) -> None:
    rel = str(path.relative_to(feed_corpus))
    expect, headers, skip_unless = _meta(path)
    # feedparser's harness fetched only the http/ files by URL; the rest were parsed without a
    # base URL, so their Expect compares unresolved relative links.
    url = BASE + rel if rel.startswith("wellformed/http/") else None
    parsed = parse_feed(path.read_bytes(), headers, url=url)
    assert isinstance(parsed, ParsedFeed)
    raw_entries = parsed.raw.get("entries", []) if isinstance(parsed.raw, dict) else []
    assert len(parsed.entries) == len(raw_entries)
    if rel.startswith("illformed/") and rel not in NOT_BOZO_ILLFORMED:
        assert parsed.bozo, f"{rel}: ill-formed feed not flagged"
    if expect:
        if rel in KNOWN_DIFFERENCES:
            pytest.xfail(KNOWN_DIFFERENCES[rel])
        if skip_unless:
            try:
                eval(skip_unless)  # noqa: S307 - corpus metadata, e.g. __import__('chardet')
            except ImportError:  # chardet is a dependency: a missing one is a broken install
                pytest.fail(f"needs {skip_unless}: install the project's dependencies")
        env = _namespace(parsed)
        glb = {"datetime": datetime, "time": time, "feedparser": feedparser}
        assert eval(expect, glb, env), f"{rel}: {expect!r} is false"  # noqa: S307
