"""Exported Markdown carries no raw HTML and no link but http(s), and still parses back.

A renderer downstream (a CMS, a static site) turns the page into HTML; feed and page text
is hostile, so every field is escaped and every link checked and percent-encoded.
"""

from __future__ import annotations

import json
import re

from drafts.mdsafe import escape, safe_link, unescape
from drafts.render import markdown_fields, parse_markdown, render_json, render_markdown

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'
JS_LINK = "[click me](javascript:alert(1))"
EVIL_URL = 'https://news.example/a"onmouseover=alert(1)><script>alert(2)</script>'


def _traced(text: str, url: str | None = "https://news.example/ok", source: str = IMG) -> dict:
    return {"text": text, "source": source, "url": url}


def hostile_draft() -> dict:
    return {
        "headline": f"Strike {SCRIPT} & more",
        "dek": f"Dek with {JS_LINK} and a \\ backslash",
        "meta": {
            "type": "event",
            "date": "2026-11-20",
            "heads": [f"Union {IMG}", "Port"],
            "n_takes": 1,
            "n_lenses": 1,
            "n_regions": 1,
        },
        "summary": [
            _traced(f"Workers walked out {SCRIPT}."),
            _traced("Link in a source URL.", url=EVIL_URL),
            _traced("A script link.", url="javascript:alert(1)"),
        ],
        "numbers": [{"display": f"4,000 {IMG} members", "conflict": True}],
        "why": [{**_traced(JS_LINK), "suggestion": True}],
        "watch": [{**_traced("![img](https://evil.example/x.png)"), "suggestion": False}],
        "takes": [
            {
                "lens": f"labour {SCRIPT}",
                "items": [
                    {
                        "outlet": IMG,
                        "region": "GB",
                        "lang": "en",
                        "sentence": f"The union said {SCRIPT} pay is low &amp; falling.",
                        "quote": {"text": f"We {JS_LINK} stay out", "speaker": IMG},
                        "url": EVIL_URL,
                    }
                ],
            }
        ],
        "coverage": {"missing_lenses": [f"markets {IMG}"], "missing_regions": ["<b>US</b>"]},
        "related": [{"slug": "port-strike"}],
        "entities": [{"text": f"Rotterdam {SCRIPT}"}, {"text": "Antwerp"}],
    }


def test_no_raw_html_and_only_http_links_in_the_page() -> None:
    md = render_markdown(hostile_draft())
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    # a link is "](" not preceded by a backslash: each must be one of ours, to <http(s) or <>
    for m in re.finditer(r"(?<!\\)\]\(", md):
        assert md[m.end() :].startswith(("<https://", "<http://", "<>")), md[m.start() - 30 :]
    # every link destination is an http(s) URL without quotes, spaces or angle brackets
    for dest in re.findall(r"\]\(<([^>]*)>\)", md):
        assert dest == "" or re.fullmatch(r"https?://[^\s\"'<>]+", dest), dest
    source_lines = [ln for ln in md.splitlines() if ln.startswith("  Source: ")]
    assert source_lines == [
        "  Source: https://news.example/a%22onmouseover=alert(1)%3E%3Cscript%3Ealert(2)%3C/script%3E"
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md


def test_the_escaped_page_round_trips_through_json() -> None:
    d = hostile_draft()
    md = render_markdown(d)
    parsed = parse_markdown(md)
    assert parsed == markdown_fields(d)
    assert parsed["headline"] == d["headline"]  # the text itself is kept, only escaped
    assert parsed["takes"][0]["items"][0]["sentence"] == d["takes"][0]["items"][0]["sentence"]
    assert parsed["summary"][2]["url"] is None  # the javascript: link was dropped
    again = json.loads(render_json(d))
    assert render_markdown(again) == md
    assert markdown_fields(again) == parsed


def test_escape_and_safe_link_rules() -> None:
    for s in ["a & b", "&amp;", "\\&lt;", "[x](y)", "\\\\]", "<>&", "plain"]:
        assert unescape(escape(s)) == s
    assert safe_link("javascript:alert(1)") is None
    assert safe_link("data:text/html,<script>") is None
    assert safe_link("http://") is None
    assert safe_link("https://ex.example/a b") == "https://ex.example/a%20b"
    assert safe_link("https://ex.example/a%20b") == "https://ex.example/a%20b"  # idempotent
    assert safe_link("https://[::1]:8808/x]y") == "https://[::1]:8808/x%5Dy"
