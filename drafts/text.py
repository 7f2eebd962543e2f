"""Small text rules the draft needs: clean headlines, fallback sentences, cue patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Titles end in the outlet: "Fed holds rates - Reuters", "... | BBC News", "... — The Guardian".
_SEPARATORS = re.compile(r"\s+(?:[-|–—:·•]|::)\s+")
_WIRE = re.compile(r"\s*\((?:AP|AFP|Reuters|UPI|PA|dpa|Bloomberg|IANS|PTI)\)\s*[-–—:]?\s*", re.I)
_DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{2,40}\((?:AP|AFP|Reuters|UPI)\)\s*[-–—:]?\s*")
_SITE_WORDS = re.compile(
    r"\b(news|times|post|journal|herald|tribune|daily|online|media|press|wire|today|"
    r"magazine|blog|reuters|bbc|cnn|guardian|bloomberg|insider|\.com|\.co|\.org|\.net)\b",
    re.I,
)
_MAX_SUFFIX_WORDS = 5


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", s.lower())


def clean_headline(title: str | None, outlets: Iterable[str] = ()) -> str:
    """A title without its outlet suffix, wire credit or trailing ellipsis.

    A trailing part after a separator is dropped when it names one of the story's outlets or
    reads like a site name (short, with a word such as News/Times/.com).
    """
    t = re.sub(r"\s+", " ", title or "").strip()
    t = _DATELINE.sub("", t)
    t = _WIRE.sub(" ", t).strip()
    names = {_norm(o) for o in outlets if o}
    while True:
        parts = _SEPARATORS.split(t)
        if len(parts) < 2:
            break
        last = parts[-1].strip()
        n_words = len(last.split())
        is_outlet = _norm(last) in names or any(
            n and (n in _norm(last) or _norm(last) in n) for n in names if len(n) > 3
        )
        if n_words <= _MAX_SUFFIX_WORDS and (is_outlet or _SITE_WORDS.search(last)):
            t = t[: t.rfind(last)].rstrip(" -|–—:·•")
            continue
        break
    t = re.sub(r"\s*(\.\.\.|…)\s*$", "", t).strip()
    return t


_SENT_END = re.compile(r"[.!?]+[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])|\n\s*")
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|St|Jr|Sr|Inc|Co|Corp|Ltd|No|vs|U\.S|U\.K)\.$"
)


def split_sentences(text: str) -> list[dict]:
    """Sentences with offsets, for articles nlp/ has not analysed (or failed on).

    Regex splitting is worse than spaCy's; it only stands in so a story is never left
    without a draft because one analysis is missing.
    """
    text = text or ""
    cuts: list[int] = []
    for m in _SENT_END.finditer(text):
        end = m.start() + len(m.group().rstrip())
        if _ABBREV.search(text[max(0, end - 6) : end]):
            continue
        cuts.append(end)
    out: list[dict] = []
    prev = 0
    for cut in [*cuts, len(text)]:
        piece = text[prev:cut]
        stripped = piece.strip()
        if stripped:
            s = prev + piece.find(stripped)
            out.append({"i": len(out), "start": s, "end": s + len(stripped), "text": stripped})
        prev = cut
    return out


def cue_pattern(cues: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive whole-word regex for a cue list (compiled once per list)."""
    return _cue_pattern(tuple(cues))


@lru_cache(maxsize=32)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    alts = sorted({c.strip() for c in cues if c.strip()}, key=len, reverse=True)
    if not alts:
        return re.compile(r"(?!x)x")
    return re.compile(r"\b(?:" + "|".join(re.escape(a) for a in alts) + r")\b", re.I)


def word_count(s: str) -> int:
    return len(s.split())
