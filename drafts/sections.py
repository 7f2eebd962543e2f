"""The draft's extractive sections: summary, figures, cue sentences and regional takes.

Every section picks whole sentences from the story's pool (never rewrites them), so an editor
can trust that each line is something a source printed.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np

from drafts.candidates import Article, Pool
from drafts.model import CueItem, NumberItem, SummaryItem, TakeGroup, TakeItem
from drafts.settings import DraftSettings
from drafts.text import cue_pattern, word_count

UNLABELLED = "unlabelled"


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
    for _ in range(s.summary_sentences):
        allowed = ~blocked & (max_sim < s.near_duplicate)
        if not allowed.any():
            break
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
    return [
        {"text": pool.texts[i], **_trace(articles[pool.owner[i]])}  # type: ignore[typeddict-item]
        for i in picked
    ]


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


def _clusters(values: list[tuple[float | None, str]], tol: float) -> list[list[int]]:
    """Indexes grouped by equal value (within relative `tol`), else by equal written form."""
    groups: list[list[int]] = []
    reps: list[tuple[float | None, str]] = []
    for k, (v, t) in enumerate(values):
        for g, (rv, rt) in zip(groups, reps, strict=True):
            if v is not None and rv is not None:
                if abs(v - rv) <= tol * max(abs(v), abs(rv), 1e-12):
                    g.append(k)
                    break
            elif _norm(t) == _norm(rt):
                g.append(k)
                break
        else:
            groups.append([k])
            reps.append((v, t))
    return groups


def pick_numbers(articles: list[Article], s: DraftSettings) -> list[NumberItem]:
    """Figures grouped by what/about/unit; agreement across sources first, conflicts flagged.

    A fact is used only when its written form occurs in its sentence and that sentence in the
    article, so every figure on the page can be pointed at.
    """
    if s.numbers_max <= 0:
        return []
    groups: OrderedDict[tuple[str, str, str], list[tuple[Article, dict]]] = OrderedDict()
    for a in articles:
        for f in a.analysis.get("facts") or []:
            text = (f.get("text") or "").strip()
            sent = f.get("sentence") or ""
            what, about = f.get("what"), f.get("about")
            if not text or not (what or about) or text not in sent:
                continue
            if sent not in a.text and sent not in a.title:
                continue
            key = (_norm(what), _norm(about), _norm(f.get("unit")))
            groups.setdefault(key, []).append((a, f))
    items: list[tuple[tuple, NumberItem]] = []
    for order, facts in enumerate(groups.values()):
        vals = [
            (float(f["value"]) if isinstance(f.get("value"), int | float) else None, f["text"])
            for _, f in facts
        ]
        clusters = _clusters(vals, s.number_tolerance)
        outlets_all = {a.outlet for a, _ in facts}
        conflict = len(clusters) > 1 and len(outlets_all) > 1
        for c in clusters:
            a0, f0 = facts[c[0]]
            outlets = sorted({facts[k][0].outlet for k in c})
            ids = sorted({facts[k][0].id for k in c})
            item: NumberItem = {
                "display": _display(f0["text"], f0.get("what"), f0.get("about")),
                "value": vals[c[0]][0],
                "unit": f0.get("unit"),
                "what": f0.get("what"),
                "about": f0.get("about"),
                "text": f0["text"],
                "sources": outlets,
                "article_ids": ids,
                "conflict": conflict,
                "evidence": [
                    {
                        "article_id": facts[k][0].id,
                        "source": facts[k][0].outlet,
                        "sentence": facts[k][1]["sentence"],
                    }
                    for k in c
                ],
            }
            items.append(((-len(outlets), -int(conflict), order), item))
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


def _quote(a: Article) -> dict[str, Any] | None:
    """The article's longest quote with a named speaker, else its longest quote."""
    quotes = [q for q in a.analysis.get("quotes") or [] if (q.get("text") or "").strip()]
    if not quotes:
        return None
    q = max(quotes, key=lambda q: (bool(q.get("speaker")), len(q["text"])))
    return {"text": q["text"].strip(), "speaker": q.get("speaker") or None}


def distinct_sentences(
    pool: Pool, articles: list[Article], hits: np.ndarray, s: DraftSettings, chunk: int = 1024
) -> dict[int, int]:
    """Per article, the sentence that says what the other articles do not.

    Distinctive = lowest "already said" score, where already said is the highest similarity
    to any sentence of another article. On-topic = similarity to the centroid of the *other*
    articles of at least `take_on_topic`, or naming one of the story's main entities; an
    article with no on-topic sentence offers its most central one.
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
            cand = idx[on]
            out[k] = int(cand[np.argmin(said[cand])])
        else:
            out[k] = int(idx[np.argmax(topical)])
    return out


def build_takes(
    pool: Pool, articles: list[Article], picks: dict[int, int], taxonomy: list[str]
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
                "quote": _quote(a),  # type: ignore[typeddict-item]
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
