"""Making untrusted text safe inside exported Markdown, reversibly.

Every field of a draft comes from feeds and pages, and exported Markdown is rendered to HTML
by whatever tool the desk uses next. So `&`, `<` and `>` become entities (no raw HTML, no
autolinks) and `\\`, `[`, `]` are backslash-escaped (no injected links or images); each
escape has exactly one reading, so `unescape` recovers the text and the page still parses
back into the draft. Links are emitted only for http(s) URLs, percent-encoded so a quote,
space or angle bracket cannot end the link early; anything else is dropped.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BACKSLASHED = "\\[]"
_UNESCAPE = re.compile(r"\\(.)|&(amp|lt|gt);")
_UNENTITY = {"amp": "&", "lt": "<", "gt": ">"}
# What may stay literal in an encoded URL: RFC 3986 reserved and unreserved characters
# and '%' (already-encoded input stays as it is). Quotes, spaces, <, >, \, ^, `, {, |, }
# and all non-ASCII are percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=-._~%"


def escape(text: str) -> str:
    """Text safe in a Markdown line: no HTML, no link syntax; `unescape` reverses it."""
    out = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _BACKSLASHED:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: m.group(1) or _UNENTITY[m.group(2)], text)


def safe_link(url: str | None) -> str | None:
    """The URL percent-encoded when it is http(s) with a host, else None (not linked).

    Idempotent: a URL it returns comes back unchanged, which the round trip relies on.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ord(c) < 0x20 or c == "\x7f" for c in url):
        return None
    encoded = quote(url, safe=_URL_SAFE)
    # '[' and ']' are legal only around an IPv6 host; anywhere else they could close a link
    scheme, sep, rest = encoded.partition("://")
    if sep:
        host_end = len(rest) if (i := re.search(r"[/?#]", rest)) is None else i.start()
        rest = rest[:host_end] + rest[host_end:].replace("[", "%5B").replace("]", "%5D")
        encoded = scheme + sep + rest
    try:
        parts = urlsplit(encoded)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return encoded


__all__ = ["escape", "safe_link", "unescape"]
