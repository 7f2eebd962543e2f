"""The headed sections of an article's text: which heading each sentence sits under.

Extracted page text keeps subheadings as lines of their own ("What to watch", "Outlook",
"Why it matters"). A heading is a short line without a full stop, followed by more text;
the sections' own headings tell the draft where a source already wrote what the page's
What to watch / Why it matters sections ask for.
"""

from __future__ import annotations

import bisect
import re

from drafts.text import cue_pattern

_LINE = re.compile(r"[^\n]+")
_HEADING_MAX_WORDS = 8


def headings(text: str) -> tuple[list[int], list[str]]:
    """(start offsets, heading texts) of the heading lines of `text`, in order."""
    starts, names = [], []
    lines = list(_LINE.finditer(text or ""))
    for k, m in enumerate(lines):
        line = m.group().strip()
        if not line or k == len(lines) - 1:
            continue
        n = len(line.split())
        if n <= _HEADING_MAX_WORDS and not re.search(r"[.!,;]['’\"”]?$", line):
            starts.append(m.start())
            names.append(line.rstrip(":?").strip())
    return starts, names


def section_of(text: str, outline: tuple[list[int], list[str]], piece: str) -> str | None:
    """The heading over `piece` in `text` (None when it is in no headed section)."""
    at = (text or "").find(piece)
    if at < 0:
        return None
    starts, names = outline
    k = bisect.bisect_right(starts, at) - 1
    return names[k] if k >= 0 else None


def under(section: str | None, heads: list[str]) -> bool:
    """Whether a section heading is one of `heads` (whole-phrase, case-insensitive)."""
    if not section:
        return False
    m = cue_pattern(heads).match(section.strip())
    return m is not None and len(section.split()) <= len(m.group().split()) + 2
