"""Content words of a headline, for the word-overlap features of the join score.

Embeddings blur names and rare terms ("Pobre", "Point72") that, shared by two headlines,
all but prove they tell one story; an IDF-weighted overlap of plain content words keeps
that signal. spaCy's English stop list is a word list only (no model is loaded).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[a-z0-9]+")
_POSSESSIVE = re.compile(r"['’]s\b")


def title_words(title: str | None) -> frozenset[str]:
    """Lower-cased ASCII-folded words of two characters or more, stop words removed."""
    t = unicodedata.normalize("NFKD", title or "")
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower()
    t = _POSSESSIVE.sub("", t)
    return frozenset(w for w in _WORD.findall(t) if len(w) > 1 and w not in STOP_WORDS)


class DocFrequencies:
    """Document frequencies of words over the live stories' articles.

    Kept from the story states themselves (each state counts its members' words), so the
    IDF needs no storage of its own and follows the live window as stories expire.
    """

    def __init__(self) -> None:
        self.df: Counter = Counter()
        self.n = 0

    def add(self, words: Iterable[str] | Counter, n: int = 1) -> None:
        self.df.update(words)
        self.n += n

    def remove(self, words: Iterable[str] | Counter, n: int = 1) -> None:
        self.df.subtract(words)
        self.n = max(0, self.n - n)
        if len(self.df) > 64 and any(v <= 0 for v in self.df.values()):
            self.df = +self.df

    def idf(self, word: str) -> float:
        """Smoothed IDF, >= 1: unseen words weigh most."""
        return math.log((self.n + 1) / (max(0, self.df.get(word, 0)) + 1)) + 1.0
