"""The draft's extractive sections: summary, figures, cue sentences and regional takes.

Every section picks whole sentences from the story's pool (never rewrites them), so an editor
can trust that each line is something a source printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.settings.drafts import DraftSettings
from core.settings.lenses import UNLABELLED
from drafts.candidates import LINE_BREAK, Article, Pool
from drafts.embed import Encoder
from drafts.model import CueItem, NumberItem, SummaryItem, TakeGroup, TakeItem
from drafts.text import cue_pattern, word_count


def _trace(a: Article) -> dict[str, Any]:
    return {"article_id": a.id, "source": a.outlet, "url": a.url}


def pick_summary(
    pool: Pool,
    articles: list[Article],
    hits: np.ndarray,
    s: DraftSettings,
    exclude: set[int],
) -> list[SummaryItem]:
    """MMR over sentences: centrality x new main-entity coverage, minus redundancy.

    A sentence at or above `near_duplicate` similarity to one already picked is never taken,
    so wire copy printed by five outlets shows up once.
    """
    n = len(pool.texts)
    if n == 0:
        return []
    cent = pool.vecs @ pool.centroid
    main = hits[:, : s.main_entities] if hits.size else np.zeros((n, 0), dtype=bool)
    covered = np.zeros(main.shape[1], dtype=bool)
    max_sim = np.full(n, -1.0, dtype=np.float32)
    blocked = np.zeros(n, dtype=bool)
    for i in exclude:
        blocked[i] = True
        max_sim = np.maximum(max_sim, pool.vecs @ pool.vecs[i])
    picked: list[int] = []
    # Sentences of a known language other than the desk's are a fallback ("und": unknown).
    foreign = np.array(
        [articles[k].lang not in (s.desk_language, "und", "") for k in pool.owner], dtype=bool
    )
    for _ in range(s.summary_sentences):
        allowed = ~blocked & (max_sim < s.near_duplicate)
        if not allowed.any():
            break
        if (allowed & ~foreign).any():  # the desk's language first; others only as fallback
            allowed &= ~foreign
        gain = (
            (main & ~covered).sum(axis=1) / max(1, main.shape[1]) if main.shape[1] else np.zeros(n)
        )
        score = (
            s.mmr_lambda * cent
            + (1 - s.mmr_lambda) * gain
            - s.mmr_redundancy * np.clip(max_sim, 0, None)
        )
        score = np.where(allowed, score, -np.inf)
        best = int(np.argmax(score))
        picked.append(best)
        blocked[best] = True
        if main.shape[1]:
            covered |= main[best]
        max_sim = np.maximum(max_sim, pool.vecs @ pool.vecs[best])
    out: list[SummaryItem] = []
    for i in picked:
        a = articles[pool.owner[i]]
        item: SummaryItem = {"text": pool.texts[i], **_trace(a)}  # type: ignore[typeddict-item]
        if foreign[i]:
            item["lang"] = a.lang
        out.append(item)
    return out


def pick_cues(
    pool: Pool,
    articles: list[Article],
    cues: list[str],
    limit: int,
    s: DraftSettings,
    taken: set[int],
) -> list[CueItem]:
    """The most central on-topic sentences that carry one of the cues, as suggestions."""
    if limit <= 0 or not pool.texts:
        return []
    pat = cue_pattern(cues)
    cent = pool.vecs @ pool.centroid
    order = np.argsort(-cent)
    out: list[CueItem] = []
    chosen: list[int] = []
    for i in map(int, order):
        if i in taken or cent[i] < s.take_on_topic or not pat.search(pool.texts[i]):
            continue
        if chosen and float(np.max(pool.vecs[chosen] @ pool.vecs[i])) >= s.near_duplicate:
            continue
        chosen.append(i)
        taken.add(i)
        out.append({"text": pool.texts[i], **_trace(articles[pool.owner[i]]), "suggestion": True})  # type: ignore[typeddict-item]
        if len(out) >= limit:
            break
    return out


def _norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w%$€£¥ ]+", " ", (s or "").lower())).strip()


def _display(text: str, what: str | None, about: str | None) -> str:
    out = text
    if what:
        out += f", {what}"
    if about:
        out += f" ({about})"
    return out + "."


_DIGIT = re.compile(r"\d")


@dataclass
class _Fact:
    article: Article
    fact: dict[str, Any]
    value: float | None
    unit: str
    evidence: str  # the paragraph piece of the fact's sentence, verbatim in the article


def _evidence(a: Article, f: dict[str, Any]) -> str | None:
    """The piece of the fact's sentence that holds the figure and that the article printed."""
    text = (f.get("text") or "").strip()
    for piece in LINE_BREAK.split(f.get("sentence") or ""):
        piece = piece.strip()
        if text and text in piece and (piece in a.text or piece in a.title):
            return piece
    return None


def _facts(articles: list[Article], s: DraftSettings) -> list[_Fact]:
    """Every fact that can be pointed at: its figure in its sentence, its sentence in its
    article, and something to say what it counts; in a big story only each article's first
    few (`max_pool_facts` shared out), as with sentences."""
    out = []
    per_article = max(s.min_sentences_per_article, s.max_pool_facts // max(1, len(articles)))
    for a in articles:
        taken = 0
        for f in a.analysis.get("facts") or []:
            if taken >= per_article:
                break
            if not (f.get("what") or f.get("about")):
                continue
            if s.numbers_need_digits and not _DIGIT.search(f.get("text") or ""):
                continue
            ev = _evidence(a, f)
            if ev is None:
                continue
            v = f.get("value")
            taken += 1
            out.append(
                _Fact(
                    a, f, float(v) if isinstance(v, int | float) else None, f.get("unit") or "", ev
                )
            )
    return out


def _same_value(x: _Fact, y: _Fact, tol: float) -> bool:
    if x.value is not None and y.value is not None:
        return abs(x.value - y.value) <= tol * max(abs(x.value), abs(y.value), 1e-12)
    return _norm(x.fact.get("text")) == _norm(y.fact.get("text"))


def _by_unit(facts: list[_Fact]) -> dict[str, list[int]]:
    """Indexes of facts with a value, per unit, in increasing value."""
    out: dict[str, list[int]] = {}
    for i, f in enumerate(facts):
        if f.value is not None:
            out.setdefault(f.unit, []).append(i)
    for idx in out.values():
        idx.sort(key=lambda i: facts[i].value)  # type: ignore[arg-type, return-value]
    return out


def _same_value_pairs(facts: list[_Fact], tol: float) -> list[tuple[int, int]]:
    """Pairs (i < j) with the same unit and the same value: a sweep over sorted values, so a
    500-article story is not a quadratic loop. Facts without a value pair by written form."""
    pairs = []
    for idx in _by_unit(facts).values():
        for a, i in enumerate(idx):
            for j in idx[a + 1 :]:
                if not _same_value(facts[i], facts[j], tol):
                    break
                pairs.append((min(i, j), max(i, j)))
    by_text: dict[tuple[str, str], list[int]] = {}
    for i, f in enumerate(facts):
        if f.value is None:
            by_text.setdefault((f.unit, _norm(f.fact.get("text"))), []).append(i)
    for idx in by_text.values():
        pairs.extend((i, j) for a, i in enumerate(idx) for j in idx[a + 1 :])
    return pairs


def _near_value_pairs(reps: list[_Fact], max_ratio: float) -> list[tuple[int, int]]:
    """Pairs of figures with the same unit whose positive values are within `max_ratio`."""
    pairs = []
    for idx in _by_unit(reps).values():
        pos = [i for i in idx if (reps[i].value or 0) > 0]
        for a, i in enumerate(pos):
            for j in pos[a + 1 :]:
                if reps[j].value > max_ratio * reps[i].value:  # type: ignore[operator]
                    break
                pairs.append((i, j))
    return pairs


def _may_conflict(x: _Fact, y: _Fact, s: DraftSettings) -> bool:
    """Could x and y be two outlets' versions of one figure? Same unit (a bare count must
    count the same "what"), the same subject when both name one, and values of the same
    order (1,900 miles and 390 million miles are different distances, not a dispute)."""
    if x.unit != y.unit or x.value is None or y.value is None:
        return False
    if not x.unit and _norm(x.fact.get("what")) != _norm(y.fact.get("what")):
        return False
    ax, ay = _norm(x.fact.get("about")), _norm(y.fact.get("about"))
    if ax and ay and ax != ay:
        return False
    lo, hi = sorted((abs(x.value), abs(y.value)))
    return lo > 0 and hi / lo <= s.number_conflict_max_ratio


def pick_numbers(
    articles: list[Article], s: DraftSettings, encode: Encoder, centroid: np.ndarray
) -> list[NumberItem]:
    """By the numbers: one line per figure, agreed figures first, disagreements flagged.

    Two facts are the same figure when unit and value match and they count the same thing:
    a money/percent/quantity unit says so itself, a bare count needs the same "what" or
    similar sentences. Two figures conflict when different outlets print them, they may be
    versions of one figure (_may_conflict) and their sentences say the same thing otherwise
    (`number_conflict_similarity`). Lines are ordered by outlets agreeing, then conflicts,
    then figures with a unit, then how central their sentence is to the story.
    """
    if s.numbers_max <= 0:
        return []
    facts = _facts(articles, s)
    if not facts:
        return []
    vecs = encode([f.evidence for f in facts])
    parent = list(range(len(facts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _same_value_pairs(facts, s.number_tolerance):
        x, y = facts[i], facts[j]
        alike = (
            bool(x.unit)
            or _norm(x.fact.get("what")) == _norm(y.fact.get("what"))
            or float(vecs[i] @ vecs[j]) >= s.number_same_similarity
        )
        if alike:
            parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(facts)):
        groups.setdefault(root(i), []).append(i)
    clusters = list(groups.values())
    outlets = [{facts[k].article.outlet for k in c} for c in clusters]
    conflict = [False] * len(clusters)
    reps = [facts[c[0]] for c in clusters]
    for p, q in _near_value_pairs(reps, s.number_conflict_max_ratio):
        if not (outlets[p] - outlets[q] and outlets[q] - outlets[p]):
            continue  # one outlet's two figures are two facts, not a disagreement
        if not _may_conflict(reps[p], reps[q], s):
            continue
        sim = float((vecs[clusters[p]] @ vecs[clusters[q]].T).max())
        if sim >= s.number_conflict_similarity:
            conflict[p] = conflict[q] = True
    cent = vecs @ centroid if centroid.shape[0] == vecs.shape[1] else np.zeros(len(facts))
    items: list[tuple[tuple, NumberItem]] = []
    for c, conf, outs in zip(clusters, conflict, outlets, strict=True):
        first = max(c, key=lambda k: cent[k])  # the most central wording speaks for all
        f0 = facts[first]
        item: NumberItem = {
            "display": _display(f0.fact["text"], f0.fact.get("what"), f0.fact.get("about")),
            "value": f0.value,
            "unit": f0.unit or None,
            "what": f0.fact.get("what"),
            "about": f0.fact.get("about"),
            "text": f0.fact["text"],
            "sources": sorted(outs),
            "article_ids": sorted({facts[k].article.id for k in c}),
            "conflict": conf,
            "evidence": [
                {
                    "article_id": facts[k].article.id,
                    "source": facts[k].article.outlet,
                    "sentence": facts[k].evidence,
                }
                for k in c
            ],
        }
        key = (-len(outs), -int(conf), -int(bool(f0.unit)), -float(cent[first]))
        items.append((key, item))
    items.sort(key=lambda x: x[0])
    out: list[NumberItem] = []
    seen: set[str] = set()
    for _, it in items:
        if it["display"] in seen:
            continue
        seen.add(it["display"])
        out.append(it)
        if len(out) >= s.numbers_max:
            break
    return out


def _quote(a: Article, max_words: int) -> dict[str, Any] | None:
    """A quote for the take: attributed before anonymous, short enough to read in the list
    before long, then the longest."""
    quotes = [q for q in a.analysis.get("quotes") or [] if (q.get("text") or "").strip()]
    if not quotes:
        return None
    q = max(
        quotes,
        key=lambda q: (
            bool(q.get("speaker")),
            word_count(q["text"]) <= max_words,
            len(q["text"]) if word_count(q["text"]) <= max_words else -len(q["text"]),
        ),
    )
    return {"text": q["text"].strip(), "speaker": q.get("speaker") or None}


def distinct_sentences(
    pool: Pool, articles: list[Article], hits: np.ndarray, s: DraftSettings, chunk: int = 1024
) -> dict[int, int]:
    """Per article, the sentence that says what the other articles do not.

    Distinctive = least "already said" (the highest similarity to any sentence of another
    article), plus `take_relevance_weight` times its similarity to the rest of the story.
    Only on-topic sentences compete: similarity to the centroid of the *other* articles of at
    least `take_on_topic`, or naming one of the story's main entities; an article with no
    on-topic sentence offers its most central one.
    """
    n = len(pool.texts)
    if n == 0:
        return {}
    owner = np.asarray(pool.owner)
    said = np.full(n, -1.0, dtype=np.float32)
    for start in range(0, n, chunk):
        sims = pool.vecs[start : start + chunk] @ pool.vecs.T
        same = owner[start : start + chunk, None] == owner[None, :]
        sims[same] = -1.0
        said[start : start + chunk] = sims.max(axis=1)
    total = pool.article_vecs.sum(axis=0)
    main = hits[:, : s.main_entities].any(axis=1) if hits.size else np.zeros(n, dtype=bool)
    out: dict[int, int] = {}
    for k, a in enumerate(articles):
        if not a.sents:
            continue
        rest = total - pool.article_vecs[k]
        norm = float(np.linalg.norm(rest))
        idx = np.asarray(a.sents)
        if norm == 0:  # the only article with sentences: its most central sentence
            out[k] = int(idx[np.argmax(pool.vecs[idx] @ pool.centroid)])
            continue
        topical = pool.vecs[idx] @ (rest / norm)
        on = (topical >= s.take_on_topic) | main[idx]
        if on.any():
            # New to the story, yet about it: a stray line is novel but says nothing.
            score = (1 - said[idx]) + s.take_relevance_weight * topical
            out[k] = int(idx[on][np.argmax(score[on])])
        else:
            out[k] = int(idx[np.argmax(topical)])
    return out


def build_takes(
    pool: Pool,
    articles: list[Article],
    picks: dict[int, int],
    taxonomy: list[str],
    quote_max_words: int,
) -> list[TakeGroup]:
    """Takes grouped by lens, taxonomy order first, then other lenses, unlabelled last."""
    by_lens: dict[str, list[TakeItem]] = {}
    for k, a in enumerate(articles):
        if k not in picks:
            continue
        by_lens.setdefault(a.lens, []).append(
            {
                "article_id": a.id,
                "outlet": a.outlet,
                "region": a.region,
                "lang": a.lang,
                "sentence": pool.texts[picks[k]],
                "quote": _quote(a, quote_max_words),  # type: ignore[typeddict-item]
                "url": a.url,
                "lens_provenance": a.lens_provenance,
                "lens_confidence": a.lens_confidence,
            }
        )
    rank = {lens: i for i, lens in enumerate(taxonomy)}

    def order(lens: str) -> tuple[int, int, str]:
        return (lens == UNLABELLED, rank.get(lens, len(rank)), lens)

    return [{"lens": lens, "items": by_lens[lens]} for lens in sorted(by_lens, key=order)]


def short_enough(text: str, max_words: int) -> bool:
    return word_count(text) <= max_words
