"""Numeric facts ("by the numbers") and time references from a processed Doc.

With NER and a parser: every MONEY, PERCENT, QUANTITY and non-filler CARDINAL entity, with
what it measures and whom it is about read off the dependency parse. Without them (blank
pipelines for languages with no model): a regex finds amounts, and "what" is the next word.
"""

from __future__ import annotations

import logging
import re

from spacy.tokens import Doc, Span, Token

from nlp.entities import canonical_entity
from nlp.factwords import DECIMAL_COMMA_LANGS, MEASURE_VERBS
from nlp.numbers import (
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    PERCENT_WORDS,
    SCALES,
    UNITS,
    filler_reason,
    format_amount,
    parse_amount,
    parse_range,
)

logger = logging.getLogger(__name__)

FACT_LABELS = ("MONEY", "PERCENT", "QUANTITY", "CARDINAL")
TIME_LABELS = ("DATE", "TIME")
ABOUT_LABELS = frozenset(
    ["ORG", "PERSON", "PRODUCT", "GPE", "NORP", "WORK_OF_ART", "EVENT", "FAC", "LAW", "LOC"]
)
_NOUNISH = {"NOUN", "PROPN"}
_MODIFIER_DEPS = {"nummod", "quantmod", "compound", "amod", "nmod", "npadvmod"}
_WHAT_PREPS = {"per", "of", "for", "in"}
_SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
_OBJECT_DEPS = {"dobj", "obj", "oprd"}
_CLAUSE_LINKS = {"conj", "advcl", "xcomp", "ccomp", "relcl", "acl", "pcomp"}
_MAX_WHAT_TOKENS = 6
_MEASURE_UNITS = frozenset(UNITS.values())


def _fact_kind(unit: str | None, label: str) -> str:
    """The kind the parsed unit proves; NER's MONEY/PERCENT without a currency or "%" (a
    mislabel: "2.5 million of these deaths") falls back to a count."""
    if unit in ("%", "pp"):
        return "PERCENT"
    if unit and unit.isupper() and len(unit) == 3 and unit in CURRENCY_WORDS.values():
        return "MONEY"
    if unit in _MEASURE_UNITS and label in ("CARDINAL", "MONEY", "PERCENT"):
        return "QUANTITY"
    return "CARDINAL" if label in ("MONEY", "PERCENT") else label


def _noun_phrase(head: Token, start: int) -> str:
    """The words from `start` up to and including the noun `head` ("monthly active users")."""
    return head.doc[start : head.i + 1].text


def _verb_of(token: Token) -> Token | None:
    """The verb (or auxiliary) governing token, through prepositions and noun heads."""
    node = token
    for _ in range(6):
        if node.pos_ in ("VERB", "AUX"):
            return node
        if node.head is node:
            return None
        node = node.head
    return None


def _of_object(tok: Token) -> Token:
    """ "some of Neumann's shares": the noun after "of" when the object is a pronoun."""
    if tok.pos_ in ("PRON", "NUM"):
        for prep in tok.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                objs = [c for c in prep.children if c.dep_ == "pobj"]
                if objs:
                    return objs[0]
    return tok


def _what(ent: Span, ent_at: list[Span | None], label: str = "CARDINAL") -> str | None:
    """What the number measures, from the parse; None when the parse names nothing."""
    doc = ent.doc
    if ent.end < len(doc) and doc[ent.end].lower_ in ("per", "a", "an", "each"):
        rate = doc[ent.end]
        objs = [c for c in rate.children if c.dep_ == "pobj"] or [
            t for t in doc[ent.end + 1 : ent.end + _MAX_WHAT_TOKENS] if t.pos_ in _NOUNISH
        ][:1]
        if objs:
            return doc[rate.i : objs[0].i + 1].text
    root = ent.root
    head = root.head
    if (
        root.dep_ in _MODIFIER_DEPS
        and head.pos_ in _NOUNISH
        and head.i >= ent.end
        and head.i - ent.end < _MAX_WHAT_TOKENS
        and ent_at[head.i] is None
    ):
        return _noun_phrase(head, ent.end)
    for tok in ent:
        for child in tok.children:
            if child.i >= ent.end and child.dep_ == "prep" and child.lower_ in _WHAT_PREPS:
                pobj = [c for c in child.children if c.dep_ == "pobj"]
                if not pobj:
                    continue
                pobj = [_of_object(pobj[0])]
                if child.lower_ == "per" or (
                    ent_at[pobj[0].i] is None and pobj[0].pos_ in _NOUNISH
                ):
                    end = max([pobj[0].i] + [c.i for c in pobj[0].children if c.dep_ == "conj"])
                    return ent.doc[child.i : end + 1].text
    prep = root.head
    if root.dep_ == "pobj" and prep.lower_ == "of" and prep.head.pos_ == "NOUN":
        return prep.head.text  # "a budget of $12 million"
    verb = _verb_of(root)
    if verb is None or (label == "CARDINAL" and root.dep_ in _OBJECT_DEPS and root.head is verb):
        return None  # "cut 300": neither the verb nor the firm is what the count counts
    subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
    if not subjects and verb.dep_ in ("advcl", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        # "the bond weakened, hitting 16%": the figure measures the main clause's subject
        subjects = [c for c in verb.head.children if c.dep_ in _SUBJECT_DEPS]
    if subjects and verb.lower_ in MEASURE_VERBS:
        subj = subjects[0]
        if subj.pos_ == "NOUN" and ent_at[subj.i] is None:
            left = min(
                (c.i for c in subj.children if c.dep_ in ("compound", "amod") and c.i < subj.i),
                default=subj.i,
            )
            return ent.doc[left : subj.i + 1].text
    return None


def _entity_in(tokens, ent_at: list[Span | None]) -> Span | None:
    for tok in tokens:
        found = ent_at[tok.i]
        if found is not None and found.label_ in ABOUT_LABELS:
            return found
    return None


def _clause_ents(ent: Span, verb: Token | None) -> list[Span]:
    """Entities in the figure's clause: the verb's subtree minus its conjoined clauses."""
    if verb is None:
        return list(ent.sent.ents)
    skip: set[int] = set()
    for child in verb.children:
        if child.dep_ in ("conj", "advcl", "ccomp", "parataxis") and child.pos_ in ("VERB", "AUX"):
            skip.update(t.i for t in child.subtree)
    inside = {t.i for t in verb.subtree} - skip
    return [e for e in ent.sent.ents if e.start in inside]


def _proper_name(tok: Token) -> Span:
    """A proper-noun subject the NER missed in this sentence ("Alibaba is set to raise ..."),
    with its proper-noun compounds; the caller maps it onto the article's entities."""
    start = tok.i
    while start > 0 and tok.doc[start - 1].dep_ == "compound" and tok.doc[start - 1].head is tok:
        start -= 1
    return Span(tok.doc, start, tok.i + 1, label="")


def _about(ent: Span, ent_at: list[Span | None]) -> str | None:
    """The entity the figure belongs to: owner of the measured noun, else the clause subject."""
    root = ent.root
    head = root.head if root.dep_ in _MODIFIER_DEPS else root
    owners = [c for c in head.children if c.dep_ in ("poss", "compound") and c.i < ent.start]
    found = _entity_in((t for o in owners for t in o.subtree), ent_at)
    verb = _verb_of(root)
    for _ in range(4):
        if found is not None or verb is None:
            break
        subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
        # the subject's own name before names inside it: "South Korea's Kospi Index fell"
        found = _entity_in(subjects, ent_at) or _entity_in(
            (t for s in subjects for t in s.subtree), ent_at
        )
        if found is None and verb.dep_ in ("relcl", "acl") and ent_at[verb.head.i] is not None:
            found = _entity_in([verb.head], ent_at)
        if found is None and subjects and subjects[0].pos_ == "PROPN":
            found = _proper_name(subjects[0])
        if found is None and verb.dep_ in _CLAUSE_LINKS and not subjects:
            verb = _verb_of(verb.head) if verb.head is not verb else None
        else:
            break
    if found is None:
        in_clause = {e.text: e for e in _clause_ents(ent, verb) if e.label_ in ABOUT_LABELS}
        if len(in_clause) == 1:
            found = next(iter(in_clause.values()))
    return canonical_entity(found.text, found.label_) if found is not None else None


def _display(
    value: float, unit: str | None, what: str | None, about: str | None, high: float | None = None
) -> str:
    text = format_amount(value, unit, high)
    if what:
        text = f"{text} {what}"
    return f"{text} — {about}" if about else text


def _trim_per(ent: Span) -> Span:
    """NER often swallows the rate: "$0.87 per million" → "$0.87" (the rest is the "what")."""
    for tok in ent[1:]:
        if tok.lower_ in ("per", "a", "an", "each") and tok.i > ent.start:
            return ent.doc[ent.start : tok.i]
    return ent


_UNIT_AFTER = re.compile(
    r"^\s*(?:"
    + "|".join(
        sorted(
            (
                re.escape(w)
                for w in [*PERCENT_WORDS, *CURRENCY_WORDS, *UNITS, *SCALES]
                if w != "%" and len(w) > 1
            ),
            key=len,
            reverse=True,
        )
    )
    + r")\b|^\s*%",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"^\s*(?:to|and|-|–|—)\s*$", re.IGNORECASE)


def _with_unit(ent: Span, text: str) -> Span:
    """Extend a number over a unit the NER left outside it ("3.5" + "percentage points").

    `text` is doc.text, passed in: spaCy rebuilds doc.text on every access (O(doc))."""
    doc = ent.doc
    m = _UNIT_AFTER.match(text[ent.end_char : ent.end_char + 24])
    if not m:
        return ent
    span = doc.char_span(ent.start_char, ent.end_char + m.end(), alignment_mode="expand")
    return span if span is not None else ent


def _same_unit(first: str, second: str) -> bool:
    """Whether "A to B" is one range: "$150 to $200" is, "12% to $40.6 billion" is not."""
    a, b = parse_range(first), parse_range(second)
    return a is not None and b is not None and (a[2] is None or a[2] == b[2])


def _candidates(doc: Doc, ent_at: list[Span | None], text: str) -> list[tuple[Span, str]]:
    """Numeric NER entities, plus currency/percent amounts the NER missed ("€2bn").

    Two amounts joined by "to"/"-" ("$150 to $200") become one range candidate.
    """
    found = [
        (_with_unit(_trim_per(e), text), e.label_) for e in doc.ents if e.label_ in FACT_LABELS
    ]
    for m in _RULE_AMOUNT.finditer(text):
        if not (m.group("sym") or m.group("unit")):
            continue
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is None or any(ent_at[i] is not None for i in range(span.start, span.end)):
            continue
        parsed = parse_amount(m.group(0))
        if parsed is None or parsed[1] is None:
            continue
        label = _fact_kind(parsed[1], "QUANTITY")
        found.append((span, label))
    found.sort(key=lambda f: f[0].start_char)
    merged: list[tuple[Span, str]] = []
    for span, label in found:
        if merged:
            prev, prev_label = merged[-1]
            gap = text[prev.end_char : span.start_char]
            gap = gap[:-1] if gap[-1:] in CURRENCY_SYMBOLS else gap
            if (
                prev.sent.start == span.sent.start
                and _RANGE_JOIN.match(gap)
                and _same_unit(prev.text, text[prev.end_char : span.end_char])
            ):
                merged[-1] = (doc[prev.start : span.end], prev_label)
                continue
        merged.append((span, label))
    return merged


def facts_from_doc(
    doc: Doc, sent_index: dict[int, int], vague_max: float = 10
) -> tuple[list[dict], list[dict]]:
    """(facts, times) for a Doc with NER and a parser. sent_index maps sentence start → i.

    Dates and times are kept apart as time references: "2019" or "last Tuesday" says when,
    not how much, so it never becomes a figure.
    """
    ent_at: list[Span | None] = [None] * len(doc)
    for e in doc.ents:
        for i in range(e.start, e.end):
            ent_at[i] = e
    facts: list[dict] = []
    times: list[dict] = []
    for ent in doc.ents:
        if ent.label_ in TIME_LABELS:
            si = sent_index.get(ent.sent.start_char, 0)
            times.append({"text": ent.text, "label": ent.label_, "sentence_i": si})
    doc_text = doc.text  # once: spaCy rebuilds it on every access
    for ent, label in _candidates(doc, ent_at, doc_text):
        sent = ent.sent
        si = sent_index.get(sent.start_char, 0)
        text = ent.text
        before = doc_text[sent.start_char : ent.start_char]
        after = doc_text[ent.end_char : sent.end_char]
        symbol = before[-1:] if before[-1:] in CURRENCY_SYMBOLS else ""
        parsed = parse_range(symbol + text)
        if parsed is None:
            continue
        value, high, unit = parsed
        if symbol:
            before = before[:-1]
        reason = filler_reason(text, before, after, value, label, vague_max)
        if reason:
            logger.debug("dropped %r: %s", text, reason)
            continue
        kind = _fact_kind(unit, label)
        if kind == "QUANTITY" and unit is None:
            unit = ent[-1].lower_ if ent[-1].is_alpha else None
        what = _what(ent, ent_at, kind)
        if kind == "CARDINAL" and not what:
            continue  # a bare count of nothing named is not a usable figure
        about = _about(ent, ent_at)
        facts.append(
            {
                "value": value,
                "high": high,
                "unit": unit,
                "kind": kind,
                "text": symbol + text,
                "what": what,
                "about": about,
                "sentence_i": si,
                "sentence": sent.text.strip(),
                "display": _display(value, unit, what, about, high),
            }
        )
    return facts, times


_SCALE_WORDS = "|".join(sorted((re.escape(w) for w in SCALES if len(w) > 1), key=len, reverse=True))
_SYMBOLS = "|".join(sorted((re.escape(s) for s in CURRENCY_SYMBOLS), key=len, reverse=True))
_AFTER_WORDS = "|".join(
    sorted(
        (re.escape(w) for w in [*CURRENCY_WORDS, *PERCENT_WORDS, *UNITS] if len(w) > 1),
        key=len,
        reverse=True,
    )
)
_RULE_AMOUNT = re.compile(
    rf"(?:(?P<sym>{_SYMBOLS})\s?)?"
    r"(?P<num>[-−]?\d(?:[\d.,'\u202f\u00a0]*\d)?)"
    rf"(?:\s?(?P<scale>{_SCALE_WORDS})\b)?"
    rf"(?:\s?(?:d['’]|de\s)?(?P<unit>{_AFTER_WORDS}|%))?",
    re.IGNORECASE,
)
_NEXT_WORD = re.compile(r"^\s*([^\W\d_][\w\-]*)")


def rule_facts(text: str, sentences: list[dict], lang: str, vague_max: float = 10) -> list[dict]:
    """Numbers for pipelines without NER: amounts found by regex, filler rules applied."""
    facts = []
    decimal_comma = lang in DECIMAL_COMMA_LANGS
    for sent in sentences:
        s_text = sent["text"]
        for m in _RULE_AMOUNT.finditer(s_text):
            parsed = parse_range(m.group(0), decimal_comma=decimal_comma)
            if parsed is None:
                continue
            value, high, unit = parsed
            kind = _fact_kind(unit, "QUANTITY" if unit else "CARDINAL")
            before, after = s_text[: m.start()], s_text[m.end() :]
            if filler_reason(m.group("num"), before, after, value, kind, vague_max):
                continue
            nxt = _NEXT_WORD.match(after)
            what = nxt.group(1) if nxt and kind == "CARDINAL" else None
            if kind == "CARDINAL" and (not what or m.group("scale") is None and value < 10):
                continue
            facts.append(
                {
                    "value": value,
                    "high": high,
                    "unit": unit,
                    "kind": kind,
                    "text": m.group(0).strip(),
                    "what": what,
                    "about": None,
                    "sentence_i": sent["i"],
                    "sentence": s_text.strip(),
                    "display": _display(value, unit, what, None, high),
                }
            )
    return facts
