"""Coarse part-of-speech from fine tags: the attribute_ruler's POS rules, compiled.

In en_core_web_sm the ``attribute_ruler`` maps each fine tag to a coarse POS (plus a few
word-specific exceptions: "that"/WDT is PRON, "not"/RB is PART, ...) and also sets MORPH
and some LEMMAs. The analysis reads only ``pos_``, yet the ruler's Matcher cost about 15 %
of the whole pipeline (bench/bench_nlp.py). ``tag_pos`` applies the same POS rules as
array lookups: the tag map for every token, then the single-token exceptions, in the
ruler's order (later rules win, as in the ruler), each a few numpy comparisons over the
Doc's arrays instead of a Matcher pass. The test suite checks the result against the
ruler itself on real articles.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LOWER, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc

_COLUMNS = {"TAG": TAG, "LOWER": LOWER, "DEP": DEP, "IS_SPACE": IS_SPACE}
_ORDER = list(_COLUMNS)

# One token's conditions: (column index, allowed hashes, negated).
Token = list[tuple[int, np.ndarray, bool]]


def _condition(key: str, spec: object, strings) -> tuple[int, np.ndarray, bool] | None:  # noqa: ANN001
    col = _ORDER.index(key)
    if isinstance(spec, bool):
        return col, np.array([int(spec)], dtype="uint64"), False
    if isinstance(spec, str):
        spec = {"IN": [spec]}
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in ("IN", "NOT_IN"):
        return None
    op, vals = next(iter(spec.items()))
    if key == "IS_SPACE":
        return None
    hashes = np.array([strings.add(v) if v else 0 for v in vals], dtype="uint64")
    return col, hashes, op == "NOT_IN"


def compile_rules(patterns: Iterable[dict], strings) -> list[tuple[list[Token], int, int]]:  # noqa: ANN001
    """The ruler's patterns that set POS, in its order (later rules win): each is
    (tokens, index of the token that gets the POS, POS hash)."""
    rules = []
    for p in patterns:
        pos = p["attrs"].get("POS")
        if pos is None:
            continue
        for pattern in p["patterns"]:
            tokens: list[Token] = []
            for token in pattern:
                conds = [_condition(k, v, strings) for k, v in token.items() if k in _COLUMNS]
                if len(conds) != len(token) or any(c is None for c in conds):
                    break
                tokens.append(conds)  # type: ignore[arg-type]
            else:
                index = p.get("index", 0)
                rules.append(
                    (tokens, index if index >= 0 else len(tokens) + index, strings.add(pos))
                )
    return rules


class TagPos:
    """A pipeline component (stateful: the compiled rules)."""

    def __init__(self, rules: list[tuple[list[Token], int, int]]) -> None:
        self.rules = rules

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        cols = doc.to_array([_COLUMNS[k] for k in _ORDER])
        pos = np.zeros(n, dtype="uint64")
        for tokens, index, pos_id in self.rules:
            span = len(tokens)
            if span > n:
                continue
            hit = np.ones(n - span + 1, dtype=bool)
            for k, conds in enumerate(tokens):
                for col, vals, negated in conds:
                    found = np.isin(cols[k : n - span + 1 + k, col], vals)
                    hit &= ~found if negated else found
            pos[np.flatnonzero(hit) + index] = pos_id
        doc.from_array([POS], pos.reshape(-1, 1))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory("storyloom_tag_pos", default_config={"patterns": []})
def make_tag_pos(nlp: Language, name: str, patterns: list) -> TagPos:
    return TagPos(compile_rules(patterns, nlp.vocab.strings))


def replace_attribute_ruler(nlp: Language) -> bool:
    """Swap the ruler for ``tag_pos`` built from its own patterns; False if it has none."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    patterns = nlp.get_pipe("attribute_ruler").patterns
    nlp.replace_pipe("attribute_ruler", "storyloom_tag_pos", config={"patterns": patterns})
    return True
