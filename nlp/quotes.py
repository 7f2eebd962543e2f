"""Direct quotations and who said them.

A quotation is text between straight or curly double quotes within one paragraph. Its speaker
comes from the sentence holding it or the one before: the subject of a speech verb outside
the quote ("…," Jane Doe said / Jane Doe said: "…"), "according to X", or, for a pronoun
subject ("he said"), the last person named before the quote. Short quotes with no speech verb
nearby are scare quotes and are skipped, and so is a quoted term inside a clause (the
"mixture of experts" design, known as "open weights"): marks set right after a determiner,
preposition or "called", around words that end in no punctuation of their own. With a
parser, a quotation nobody is named as saying (by a speech verb or a colon) is not kept.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right

from spacy.tokens import Doc, Span, Token

from core.settings.nlp import NlpSettings
from nlp.entities import canonical_entity

logger = logging.getLogger(__name__)

_SPEECH_STEMS = [
    "say",
    "said",
    "says",
    "saying",
    "tell",
    "told",
    "tells",
    "telling",
    "add",
    "added",
    "adds",
    "adding",
    "explain",
    "explained",
    "explains",
    "note",
    "noted",
    "notes",
    "write",
    "wrote",
    "writes",
    "state",
    "stated",
    "states",
    "claim",
    "claimed",
    "claims",
    "argue",
    "argued",
    "argues",
    "ask",
    "asked",
    "asks",
    "insist",
    "insisted",
    "insists",
    "warn",
    "warned",
    "warns",
    "announce",
    "announced",
    "announces",
    "comment",
    "commented",
    "reply",
    "replied",
    "replies",
    "respond",
    "responded",
    "responds",
    "continue",
    "continued",
    "continues",
    "conclude",
    "concluded",
    "acknowledge",
    "acknowledged",
    "admit",
    "admitted",
    "admits",
    "declare",
    "declared",
    "declares",
    "recall",
    "recalled",
    "recalls",
    "tweet",
    "tweeted",
    "posted",
    "post",
    "quip",
    "quipped",
    "emphasise",
    "emphasised",
    "emphasize",
    "emphasized",
    "stress",
    "stressed",
    "stresses",
    "observe",
    "observed",
    "observes",
    "suggest",
    "suggested",
    "suggests",
    "predict",
    "predicted",
    "write",
    "writes",
    "explain",
    "explains",
    "argue",
    "argued",
    "argues",
]
SPEECH_VERBS = frozenset(_SPEECH_STEMS)
_QUOTE = re.compile(r'"([^"\n]+)"|“([^”\n]+)”|«([^»\n]+)»|„([^“”\n]+)[“”]')
_PRONOUNS = {"he", "she", "they", "i", "we", "it"}
_SPEAKER_LABELS = ("PERSON", "ORG", "NORP", "GPE")
_MAX_SPEAKER_TOKENS = 5


def _speaker_entity(span_tokens, label_order=_SPEAKER_LABELS) -> Span | None:
    """The best entity among the tokens: a PERSON before an ORG before others."""
    found = {}
    for tok in span_tokens:
        if tok.ent_type_ in label_order and tok.ent_iob_ in ("B", "I"):
            ent = next(e for e in tok.doc.ents if e.start <= tok.i < e.end)
            found.setdefault(ent.label_, ent)
    for label in label_order:
        if label in found:
            return found[label]
    return None


def _last_person_before(doc: Doc, char: int, since: int) -> Span | None:
    people = [e for e in doc.ents if e.label_ == "PERSON" and since <= e.start_char < char]
    return people[-1] if people else None


def _described_speaker(subj: Token, q_start: int, q_end: int) -> Span | None:
    """A speaker the NER missed: a name ("Prakash said") or a description ("a WeWork
    spokesperson said" → "WeWork spokesperson"), without determiners, outside the quote."""
    if subj.lower_ in _PRONOUNS or subj.pos_ not in ("PROPN", "NOUN"):
        return None
    left = [t for t in subj.lefts if t.dep_ in ("compound", "amod", "nummod", "poss")]
    start = min([t.i for t in left] + [subj.i])
    if any(q_start <= t.idx < q_end for t in subj.doc[start : subj.i + 1]):
        return None
    if subj.i + 1 - start > _MAX_SPEAKER_TOKENS:
        return None
    label = "PERSON" if subj.pos_ == "PROPN" and subj.is_title else ""
    return Span(subj.doc, start, subj.i + 1, label=label)


def _speaker_in(doc: Doc, sent: Span, q_start: int, q_end: int, since: int) -> Span | None:
    """The speaker named in `sent` outside the quote [q_start, q_end), or None."""
    outside = [t for t in sent if not (q_start <= t.idx < q_end)]
    for tok in outside:
        if tok.lower_ in SPEECH_VERBS and tok.pos_ in ("VERB", "AUX"):
            subjects = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
            for subj in subjects:
                ent = _speaker_entity(subj.subtree)
                if ent is not None:
                    return ent
                if subj.lower_ in _PRONOUNS:
                    return _last_person_before(doc, q_start, since)
            # "…," said Jane Doe: the subject follows the verb and may be parsed as a dobj
            follow = [c for c in tok.children if c.i > tok.i and c.dep_ in ("dobj", "attr")]
            for c in follow:
                ent = _speaker_entity(c.subtree)
                if ent is not None:
                    return ent
            for subj in subjects:
                described = _described_speaker(subj, q_start, q_end)
                if described is not None:
                    return described
    text = sent.text.lower()
    at = text.find("according to ")
    if at >= 0:
        start = sent.start_char + at + len("according to ")
        for ent in sent.ents:
            if ent.start_char >= start and ent.label_ in _SPEAKER_LABELS:
                return ent
    return None


def _has_speech_verb(sent: Span, q_start: int, q_end: int) -> bool:
    return any(t.lower_ in SPEECH_VERBS for t in sent if not (q_start <= t.idx < q_end)) or (
        "according to" in sent.text.lower()
    )


_TERM_LEADS = frozenset(["called", "dubbed", "so-called", "named", "termed", "as", "word", "term"])
_EMBED_POS = frozenset(["DET", "ADP", "ADJ", "NUM"])
_OWN_END = re.compile(r"[.,!?…;:—–-]['’]?\s*$")


def _is_term(doc: Doc, start: int, raw_body: str) -> bool:
    """Scare quotes: a quoted term that is part of the sentence's own clause."""
    if _OWN_END.search(raw_body):
        return False  # a quotation carries its own punctuation: “…,” she said
    before = doc.char_span(max(0, start - 40), start, alignment_mode="contract")
    prev = before[-1] if before is not None and len(before) else None
    return prev is not None and (prev.pos_ in _EMBED_POS or prev.lower_ in _TERM_LEADS)


def _colon_speaker(text: str, sent: Span, q_start: int) -> Span | None:
    """ "Jane Doe: “…”" or "As the minister put it: “…”": the entity just before a colon.
    `text` is doc.text, passed in: spaCy rebuilds doc.text on every access (O(doc)), and
    rebuilding it per quote was a sixth of the work after the parser on the benchmark pages."""
    head = text[sent.start_char : q_start].rstrip()
    if not head.endswith(":"):
        return None
    ents = [e for e in sent.ents if e.end_char <= q_start and e.label_ in _SPEAKER_LABELS]
    return ents[-1] if ents else None


def quotes_from_doc(doc: Doc, sentences: list[dict], settings: NlpSettings) -> list[dict]:
    """Quotes with speakers; `sentences` are the Doc's sentences as dicts (i, start, end)."""
    starts = [s["start"] for s in sentences]
    sents = list(doc.sents)
    parsed = doc.has_annotation("DEP")
    out = []
    text = doc.text  # once: spaCy rebuilds it on every access
    for m in _QUOTE.finditer(text):
        raw_body = next(g for g in m.groups() if g is not None)
        body = raw_body.strip().rstrip(",")
        words = len(body.split())
        if words < settings.quote_min_words or len(body) > settings.quote_max_chars:
            continue
        si = max(bisect_right(starts, m.start()) - 1, 0)
        ei = max(bisect_right(starts, max(m.end() - 1, m.start())) - 1, 0)
        speaker = None
        if parsed and sents:
            near = [sents[i] for i in range(si, min(ei + 1, len(sents)))]
            prev_start = sentences[si - 1]["start"] if si > 0 else 0
            speech = any(_has_speech_verb(s, m.start(), m.end()) for s in near)
            if words <= settings.quote_scare_max_words and not speech:
                continue
            if _is_term(doc, m.start(), raw_body):
                continue
            for sent in near:
                speaker = _speaker_in(doc, sent, m.start(), m.end(), prev_start)
                speaker = speaker or _colon_speaker(text, sent, m.start())
                if speaker is not None:
                    break
            if speaker is None and si > 0:
                prev = sents[si - 1]
                if prev.text.rstrip().endswith(":") or _has_speech_verb(prev, -1, -1):
                    speaker = _speaker_in(doc, prev, m.start(), m.end(), prev_start)
            if speaker is None:
                continue  # nobody is named as saying it: a title, a term or a slogan
        elif words <= settings.quote_scare_max_words:
            continue
        out.append(
            {
                "text": body,
                "speaker": canonical_entity(speaker.text, speaker.label_) if speaker else None,
                "sentence_i": si,
            }
        )
    return out
