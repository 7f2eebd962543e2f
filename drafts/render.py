"""The draft as Markdown (the page an editor finishes) and JSON, and Markdown read back.

`parse_markdown(render_markdown(d)) == markdown_fields(d)`: everything the page shows can be
recovered from it, which is what the round-trip test holds the renderer to.
"""

from __future__ import annotations

import json
import re
from typing import Any

NONE_YET = "_None yet._"
SUGGESTION = "*Suggestion:* "
CONFLICT = " **[conflict: sources disagree]**"
_TRACE = re.compile(r"^(?P<text>.*) \(\[(?P<source>(?:[^\]\\]|\\.)*)\]\(<(?P<url>[^>]*)>\)\)$")
_TAKE = re.compile(
    r"^- \*\*(?P<outlet>.*)\*\* \((?P<region>[^,()]*), (?P<lang>[^()]*)\) — (?P<sentence>.*)$"
)
_QUOTE = re.compile(r'^  > "(?P<text>.*)"(?: — (?P<speaker>.*))?$')
_LIST_SEP = "; "
_LANG_MARK = re.compile(r"^\[(?P<lang>[a-z]{2,3}(?:-[A-Za-z]+)?)\] (?P<rest>.*)$")


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("]", "\\]")


def _unesc(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def _one_line(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def _traced(text: str, source: str | None, url: str | None) -> str:
    line = _one_line(text)
    if source or url:
        line += f" ([{_esc(source or '')}](<{url or ''}>))"
    return line


def _lang_mark(x: dict[str, Any]) -> str:
    """A summary sentence outside the desk's language is marked with its own: "[de] "."""
    return f"[{x['lang']}] " if x.get("lang") else ""


def render_markdown(draft: dict[str, Any]) -> str:
    """The page in the issue's layout; empty sections say so instead of vanishing."""
    m = draft["meta"]
    out = [f"# {_one_line(draft['headline'])}", f"> {_one_line(draft['dek'])}"]
    out.append(
        f"**Meta:** type: {m['type']} · date: {m['date'] or 'unknown'} · "
        f"heads: {_LIST_SEP.join(m['heads']) or 'none'} · {m['n_takes']} takes · "
        f"{m['n_lenses']} lenses · {m['n_regions']} regions"
        + (f" · languages: {', '.join(m['languages'])}" if m.get("languages") else "")
    )

    def section(title: str, lines: list[str]) -> None:
        out.append(f"## {title}")
        out.extend(lines or [NONE_YET])

    section(
        "Summary",
        [f"- {_lang_mark(x)}{_traced(x['text'], x['source'], x['url'])}" for x in draft["summary"]],
    )
    section(
        "By the numbers",
        [
            f"- {_one_line(x['display'])}{CONFLICT if x['conflict'] else ''}"
            for x in draft["numbers"]
        ],
    )
    for key, title in (("why", "Why it matters"), ("watch", "What to watch")):
        section(
            title,
            [
                "- "
                + (SUGGESTION if x["suggestion"] else "")
                + _traced(x["text"], x["source"], x["url"])
                for x in draft[key]
            ],
        )
    out.append("## Regional takes")
    if not draft["takes"]:
        out.append(NONE_YET)
    for g in draft["takes"]:
        out.append(f"### {g['lens']}")
        for it in g["items"]:
            out.append(
                f"- **{it['outlet']}** ({it['region']}, {it['lang']}) — {_one_line(it['sentence'])}"
            )
            q = it.get("quote")
            if q:
                speaker = f" — {_one_line(q['speaker'])}" if q.get("speaker") else ""
                out.append(f'  > "{_one_line(q["text"])}"{speaker}')
            out.append(f"  Source: {it['url']}")
    cov = draft["coverage"]
    section(
        "Coverage",
        [
            f"- Lenses without a take: {_LIST_SEP.join(cov['missing_lenses']) or 'none'}",
            f"- Regions without a take: {_LIST_SEP.join(cov['missing_regions']) or 'none'}",
        ],
    )
    related = ", ".join(f"[[{r['slug']}]]" for r in draft["related"]) or "none"
    ents = _LIST_SEP.join(e["text"] for e in draft["entities"]) or "none"
    section("Across the graph", [f"- Related: {related}", f"- Entities: {ents}"])
    return "\n".join(out) + "\n"


def render_json(draft: dict[str, Any]) -> str:
    return json.dumps(draft, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _split(v: str) -> list[str]:
    return [] if v == "none" else v.split(_LIST_SEP)


def markdown_fields(draft: dict[str, Any]) -> dict[str, Any]:
    """The part of the draft the Markdown page carries, in parse_markdown's shape."""

    def traced(x: dict[str, Any]) -> dict[str, Any]:
        return {
            "text": _one_line(x["text"]),
            "source": x.get("source") or None,
            "url": x.get("url") or None,
        }

    return {
        "headline": _one_line(draft["headline"]),
        "dek": _one_line(draft["dek"]),
        "meta": {
            **draft["meta"],
            "date": draft["meta"]["date"] or None,
            "languages": list(draft["meta"].get("languages") or []),
        },
        "summary": [
            {**traced(x), **({"lang": x["lang"]} if x.get("lang") else {})}
            for x in draft["summary"]
        ],
        "numbers": [
            {"display": _one_line(x["display"]), "conflict": bool(x["conflict"])}
            for x in draft["numbers"]
        ],
        "why": [{**traced(x), "suggestion": bool(x["suggestion"])} for x in draft["why"]],
        "watch": [{**traced(x), "suggestion": bool(x["suggestion"])} for x in draft["watch"]],
        "takes": [
            {
                "lens": g["lens"],
                "items": [
                    {
                        "outlet": it["outlet"],
                        "region": it["region"],
                        "lang": it["lang"],
                        "sentence": _one_line(it["sentence"]),
                        "quote": (
                            {
                                "text": _one_line(it["quote"]["text"]),
                                "speaker": _one_line(it["quote"].get("speaker")) or None,
                            }
                            if it.get("quote")
                            else None
                        ),
                        "url": it["url"],
                    }
                    for it in g["items"]
                ],
            }
            for g in draft["takes"]
        ],
        "coverage": dict(draft["coverage"]),
        "related": [r["slug"] for r in draft["related"]],
        "entities": [e["text"] for e in draft["entities"]],
    }


def _parse_summary(line: str) -> dict[str, Any]:
    m = _LANG_MARK.match(line)
    return {**_parse_traced(m["rest"]), "lang": m["lang"]} if m else _parse_traced(line)


def _parse_traced(line: str) -> dict[str, Any]:
    m = _TRACE.match(line)
    if not m:
        return {"text": line, "source": None, "url": None}
    return {
        "text": m["text"],
        "source": _unesc(m["source"]) or None,
        "url": m["url"] or None,
    }


def parse_markdown(md: str) -> dict[str, Any]:
    """Read a rendered page back into markdown_fields' shape; ValueError when it is not one."""
    lines = md.splitlines()
    if len(lines) < 3 or not lines[0].startswith("# ") or not lines[1].startswith("> "):
        raise ValueError("not a storyloom draft page: expected '# headline' then '> dek'")
    out: dict[str, Any] = {"headline": lines[0][2:], "dek": lines[1][2:]}
    meta = re.match(
        r"^\*\*Meta:\*\* type: (?P<type>.*) · date: (?P<date>.*) · heads: (?P<heads>.*) · "
        r"(?P<t>\d+) takes · (?P<l>\d+) lenses · (?P<r>\d+) regions"
        r"(?: · languages: (?P<langs>.*))?$",
        lines[2],
    )
    if not meta:
        raise ValueError(f"Meta line not understood: {lines[2]!r}")
    out["meta"] = {
        "type": meta["type"],
        "date": None if meta["date"] == "unknown" else meta["date"],
        "heads": _split(meta["heads"]),
        "n_takes": int(meta["t"]),
        "n_lenses": int(meta["l"]),
        "n_regions": int(meta["r"]),
        "languages": meta["langs"].split(", ") if meta["langs"] else [],
    }
    sections: dict[str, list[str]] = {}
    current = None
    for line in lines[3:]:
        if line.startswith("## "):
            current = line[3:]
            sections[current] = []
        elif current is not None and line != NONE_YET:
            sections[current].append(line)

    def items(name: str) -> list[str]:
        return [x[2:] for x in sections.get(name, []) if x.startswith("- ")]

    out["summary"] = [_parse_summary(x) for x in items("Summary")]
    out["numbers"] = [
        {"display": x.removesuffix(CONFLICT), "conflict": x.endswith(CONFLICT)}
        for x in items("By the numbers")
    ]
    for key, name in (("why", "Why it matters"), ("watch", "What to watch")):
        out[key] = [
            {**_parse_traced(x.removeprefix(SUGGESTION)), "suggestion": x.startswith(SUGGESTION)}
            for x in items(name)
        ]
    takes: list[dict[str, Any]] = []
    for line in sections.get("Regional takes", []):
        if line.startswith("### "):
            takes.append({"lens": line[4:], "items": []})
        elif (m := _TAKE.match(line)) and takes:
            takes[-1]["items"].append({**m.groupdict(), "quote": None, "url": ""})
        elif (m := _QUOTE.match(line)) and takes and takes[-1]["items"]:
            takes[-1]["items"][-1]["quote"] = {"text": m["text"], "speaker": m["speaker"]}
        elif line.startswith("  Source: ") and takes and takes[-1]["items"]:
            takes[-1]["items"][-1]["url"] = line[len("  Source: ") :]
    out["takes"] = takes
    cov = dict(x.split(": ", 1) for x in items("Coverage"))
    out["coverage"] = {
        "missing_lenses": _split(cov.get("Lenses without a take", "none")),
        "missing_regions": _split(cov.get("Regions without a take", "none")),
    }
    graph = dict(x.split(": ", 1) for x in items("Across the graph"))
    rel = graph.get("Related", "none")
    out["related"] = [] if rel == "none" else re.findall(r"\[\[([^\]]+)\]\]", rel)
    out["entities"] = _split(graph.get("Entities", "none"))
    return out
