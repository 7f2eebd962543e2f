"""analyse_texts: articles in, per-article JSON-ready analyses out (entities, facts, quotes).

Pure functions over text: the store glue (nlp/stage.py) decides what to (re)compute and keeps
the results with model id and PIPELINE_VERSION. Texts are grouped by pipeline; each group runs
through nlp.pipe, split across settings.n_process worker processes when the batch is large
enough to pay for them. Workers return the small result dicts, not Docs, so the expensive
post-processing runs in parallel too and nothing heavy crosses process boundaries.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import Future

from spacy.tokens import Doc

from core.settings.nlp import NlpSettings
from nlp.entities import entities_from_mentions, name_resolver
from nlp.facts import facts_from_doc, rule_facts
from nlp.pipelines import has_ner, model_for, normalise_lang, pipeline_for
from nlp.pool import NlpPool
from nlp.quotes import quotes_from_doc
from nlp.textcheck import Checked, check_text

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "3"  # bump whenever a change alters results: stored analyses are redone
_FINITE_TAGS = frozenset(["VBD", "VBZ", "VBP", "MD"])
STATUSES = ("ok", "no_ner", "empty", "truncated", "garbage", "error")


def _empty(status: str, note: str | None, model: str, lang: str) -> dict:
    return {
        "status": status,
        "note": note,
        "model": model,
        "lang": lang,
        "body_start": 0,
        "sentences": [],
        "entities": [],
        "facts": [],
        "times": [],
        "quotes": [],
    }


def _result_from_doc(
    doc: Doc, checked: Checked, model: str, lang: str, body_start: int, settings: NlpSettings
) -> dict:
    result = _empty(checked.status, checked.note, model, lang)
    result["body_start"] = body_start
    tagged = doc.has_annotation("TAG")
    sentences = [
        {
            "i": i,
            "start": s.start_char,
            "end": s.end_char,
            "text": s.text,
            # a finite verb: drafts tell a claim from a heading, label or caption by it
            "finite": any(t.tag_ in _FINITE_TAGS for t in s) if tagged else None,
        }
        for i, s in enumerate(doc.sents)
        if s.text.strip()
    ]
    for i, s in enumerate(sentences):
        s["i"] = i
    result["sentences"] = sentences
    sent_index = {s["start"]: s["i"] for s in sentences}
    if doc.has_annotation("ENT_IOB"):
        mentions = [{"text": e.text, "label": e.label_, "start": e.start_char} for e in doc.ents]
        result["entities"] = entities_from_mentions(mentions, settings.entity_labels)
        result["facts"], result["times"] = facts_from_doc(doc, sent_index, settings.vague_max_value)
    else:
        result["facts"] = rule_facts(doc.text, sentences, lang, settings.vague_max_value)
    result["quotes"] = quotes_from_doc(doc, sentences, settings)
    resolve = name_resolver(result["entities"])
    for f in result["facts"]:
        if f["about"]:
            f["about"] = resolve(f["about"])
            f["display"] = f["display"].rsplit(" — ", 1)[0] + f" — {f['about']}"
    for q in result["quotes"]:
        if q["speaker"]:
            q["speaker"] = resolve(q["speaker"])
    return result


def _run_group(
    model: str, items: list[tuple[Checked, str, int]], settings: NlpSettings
) -> list[dict]:
    """Analyse texts that share one pipeline, in this process (settings travel with the call,
    so a worker process needs no module state)."""
    nlp = pipeline_for(model, settings)
    ner = has_ner(nlp)
    out = []
    docs = nlp.pipe((c.text for c, _, _ in items), batch_size=settings.batch_size)
    for (checked, lang, body_start), doc in zip(items, docs, strict=True):
        if not ner and checked.status == "ok":
            checked = Checked(checked.text, "no_ner", f"no NER for {lang}")
        elif not ner:
            checked = Checked(checked.text, checked.status, f"{checked.note}; no NER for {lang}")
        try:
            out.append(_result_from_doc(doc, checked, model, lang, body_start, settings))
        except Exception as exc:  # noqa: BLE001 - one odd text must not sink the batch
            logger.exception("analysis failed for a %d-char text", len(checked.text))
            out.append(_empty("error", f"analysis failed: {type(exc).__name__}", model, lang))
    return out


def _chunks(indices: list[int], sizes: list[int], n: int) -> list[list[int]]:
    """Split into n chunks of similar total size (largest first, to the lightest chunk)."""
    chunks: list[list[int]] = [[] for _ in range(n)]
    loads = [0] * n
    for i in sorted(indices, key=lambda i: -sizes[i]):
        k = loads.index(min(loads))
        chunks[k].append(i)
        loads[k] += sizes[i]
    return [sorted(c) for c in chunks if c]


def analyse_texts(
    texts: Sequence[str],
    langs: Sequence[str | None],
    settings: NlpSettings,
    *,
    titles: Sequence[str | None] | None = None,
    pool: NlpPool | None = None,
) -> list[dict]:
    """One result dict per text, in order. Never raises on bad text; see the status field.

    `pool` is the caller's long-lived NLP processes (a worker's); without one, a large
    batch gets a pool of its own for the call.

    A title, when given, is analysed as the first paragraph so its names count; the result's
    body_start says where the body begins in the offsets.
    """
    if len(langs) != len(texts) or (titles is not None and len(titles) != len(texts)):
        raise ValueError("texts, langs and titles must have the same length")
    results: list[dict | None] = [None] * len(texts)
    groups: dict[str, list[int]] = {}
    prepared: dict[int, tuple[Checked, str, int]] = {}
    for i, raw in enumerate(texts):
        lang = normalise_lang(langs[i], settings)
        model = model_for(lang, settings)
        title = titles[i] if titles is not None else None
        body_start = 0
        if isinstance(raw, str) and title and title.strip() and not raw.startswith(title):
            body_start = len(title.strip()) + 2
            raw = f"{title.strip()}\n\n{raw}"
        checked = check_text(raw, settings)
        if checked.status in ("empty", "garbage"):
            results[i] = _empty(checked.status, checked.note, model, lang)
            continue
        prepared[i] = (checked, lang, body_start)
        groups.setdefault(model, []).append(i)
    total_chars = sum(len(c.text) for c, _, _ in prepared.values())
    workers = settings.n_process if total_chars >= settings.multiprocess_min_chars else 1
    local: list[tuple[str, list[int]]] = []
    pending: list[tuple[list[int], Future[list[dict]]]] = []
    with contextlib.ExitStack() as own:
        # Every language's chunks go to the pool before any result is awaited, and texts of
        # a language too few to split run here meanwhile: one language at a time left a core
        # idle at the tail of each group.
        for model, idx in groups.items():
            try:  # cached; a pipeline that cannot load (a missing tokenizer) fails its texts
                pipeline_for(model, settings)  # only, not the batch, which the stage would redo
            except Exception as exc:  # noqa: BLE001 - one per text, one at a time, without a pool
                why = f"the {model} pipeline cannot load: {type(exc).__name__}: {exc}"
                for i in idx:
                    results[i] = _empty("error", why, model, prepared[i][1])
                continue
            n = min(workers, len(idx))
            if n <= 1:
                local.append((model, idx))
                continue
            sizes = {i: len(prepared[i][0].text) for i in idx}
            chunks = _chunks(idx, [sizes.get(j, 0) for j in range(len(texts))], n * 2)
            if pool is None:
                pool = own.enter_context(NlpPool(settings))
            ex = pool.executor(model)
            for chunk in chunks:
                fut = ex.submit(_run_group, model, [prepared[i] for i in chunk], settings)
                pending.append((chunk, fut))
        for model, idx in local:
            for i, res in zip(
                idx, _run_group(model, [prepared[i] for i in idx], settings), strict=True
            ):
                results[i] = res
        for chunk, fut in pending:
            for i, res in zip(chunk, fut.result(), strict=True):
                results[i] = res
    return [r for r in results if r is not None]
