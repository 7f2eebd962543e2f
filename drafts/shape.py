"""What a line of a real page is, by its shape: a claim, a title, or page furniture.

Real pages put kickers ("// news · open-source"), breadcrumbs ("Home › News"), bylines,
dates, section labels, captions and list labels beside the prose, and sentence splitting
cuts quotations at their inner full stops. The draft only offers lines an editor would keep:
  - is_title: a headline candidate (not a kicker, breadcrumb, byline, date or label);
  - is_claim: a complete declarative sentence (a take's gist, the dek, a summary line);
  - quotes_balanced: the line does not start or end inside a quotation.
Shape only, no word lists about topics, so the rules carry to any story.
"""

from __future__ import annotations

import re

# Separators of breadcrumbs and kickers, standing alone between words.
_CRUMB = re.compile(r"(?:^|\s)(?:[›»>/|·•:]{1,2}|\\)(?=\s|$)")
_LEAD_PUNCT = re.compile(r"^[^\w\"'“‘(]")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}|{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|"
    rf"\d{{1,2}}\s+{_MONTHS}\s+\d{{4}})",
    re.I,
)
_GLUED_DATE = re.compile(r"[a-z]\d{4}-\d{2}-\d{2}|\d{4}-\d{2}-\d{2}[a-z]", re.I)
_TIME = re.compile(r"\b\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?\b", re.I)
_BYLINE = re.compile(r"^(?:by|posted by|written by|words by|von|por|par)\s+\S", re.I)
_FIELD_LABEL = re.compile(
    r"\b(?:source|sources|photo|photos|image|credit|credits|updated|posted|published|"
    r"filed under|tags?|category|read more|related|listen|watch)\s*:",
    re.I,
)
_CAPTION = re.compile(
    r"\((?:photo|image|picture|credit|file)\b|getty images|/\s?(?:ap|afp|reuters)\b", re.I
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_END = re.compile(r"[.!](?:[\"'”’)\]]+)?$")
_LIST_LABEL = re.compile(r"^(?:\d+[.)]|[-–•*])\s")
_LABEL_LEAD = re.compile(r"^[A-Z][\w'’ -]{0,30}:\s")
_LABEL_PAREN = re.compile(r"^[A-Z][\w'’ -]{0,40}\([^)]*\)\.?$")
_LINK = re.compile(r"https?://|www\.\w", re.I)
# A subordinate clause standing alone ("Because space travel is hard.") is a fragment.
_SUBORDINATE = re.compile(
    r"^(?:because|although|though|unless|whereas|if|since|while)\b[^,;]*$", re.I
)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _datelike_share(text: str) -> float:
    covered = sum(len(m.group()) for m in _DATE.finditer(text))
    covered += sum(len(m.group()) for m in _TIME.finditer(text))
    return covered / max(1, len(text.strip()))


def furniture_reason(text: str, author: str | None = None) -> str | None:
    """Why a line is page furniture rather than a title or a sentence (None when it is not)."""
    t = re.sub(r"\s+", " ", text or "").strip()
    w = words(t)
    if not w:
        return "no words"
    if _BYLINE.match(t) or (author and author.strip() and t.lower().startswith(author.lower())):
        return "byline"
    if _GLUED_DATE.search(t) or _datelike_share(t) >= 0.35:
        return "date"
    if len(_CRUMB.findall(t)) >= 2:
        return "breadcrumb"
    if _LEAD_PUNCT.match(t):
        return "kicker"
    if _FIELD_LABEL.search(t):
        return "field label"
    if not any(c.isupper() for c in t):
        return "no capitals"  # kickers and slugs: "news · open-source · frontier-models"
    if len(w) >= 2 and all(x.isupper() for x in w if len(x) > 1) and len(w) <= 4:
        return "section label"
    return None


def is_title(text: str, author: str | None = None, min_words: int = 4, max_words: int = 30) -> bool:
    """A headline candidate: enough words, not furniture, not a question left open."""
    t = (text or "").strip()
    n = len(words(t))
    return min_words <= n <= max_words and furniture_reason(t, author) is None


def quotes_balanced(text: str) -> bool:
    """No quotation left open or closed from outside: curly marks pair up in order and
    straight double quotes come in pairs."""
    depth = 0
    for c in text:
        if c == "“":
            depth += 1
        elif c == "”":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and text.count('"') % 2 == 0


def is_claim(text: str, finite: bool | None = None) -> bool:
    """A complete declarative sentence from a body: ends in a full stop (not a question or
    a colon), starts with a capital, quotation or figure, holds no open quotation, is not a
    list label ("2. Drink water"), a "Label: …" line, a caption or furniture. `finite`: the
    analysis' finding that the sentence has a finite verb (None when not recorded)."""
    t = (text or "").strip()
    if not t or finite is False:
        return False
    if not _END.search(t) or not quotes_balanced(t):
        return False
    first = t.lstrip("\"'“‘(")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    if _LIST_LABEL.match(t) or _LABEL_LEAD.match(t) or _LABEL_PAREN.match(t):
        return False
    if _CAPTION.search(t) or _LINK.search(t) or _SUBORDINATE.match(t):
        return False
    return furniture_reason(t) is None
