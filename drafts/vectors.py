"""Sentence vectors computed once per article, when its story is about to be drafted.

A draft compares every candidate sentence of a story with every other; encoding them anew
for each draft made a 50-article story's first draft take over a minute. The `sentences`
stage (after clustering) encodes the candidate lines of each analysed article whose story
will be drafted (at least [drafts] min_sources outlets) once, through the configured
encoder (drafts.embed.encoder_for: the clustering model unless [drafts] embedding_model
names another), and keeps them in `sentence_vectors`; a draft then reads its members'
vectors and encodes only what is missing (and stores that too).

Articles of one-outlet stories wait: no draft reads their lines until a second outlet
joins, and most never get one. Encoding every article up front made this stage two thirds
of end-to-end time (bench/bench_e2e.py: 4,200 lines for 181 pages, most of them in no draft).

Idempotent and safe with several processes: a row is keyed by article and model, carries a
hash of its sentences (an edited text or a new analysis redoes it), and a row another
process wrote first is simply kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select
from sqlalchemy.exc import IntegrityError

from core.settings.drafts import DraftSettings
from drafts.candidates import Article, article_sentences, make_article
from drafts.embed import Encoder, encoder_for
from drafts.sections import _evidence
from drafts.text import clean_headline
from store.db import utcnow
from store.schema import analyses, articles, sentence_vectors, stories, story_members

logger = logging.getLogger(__name__)

_BATCH_ARTICLES = 64


def model_name(config: Any) -> str:
    return config.drafts.embedding_model or config.clustering.model


def article_lines(a: Article, s: DraftSettings) -> list[str]:
    """Every line a draft may encode for this article: its candidate sentences, its title
    (raw and cleaned) and the sentences its figures stand in."""
    lines = [t for _, t in article_sentences(a, s)]
    if a.title:
        lines += [a.title, clean_headline(a.title)]
    for f in a.analysis.get("facts") or []:
        ev = _evidence(a, f)
        if ev:
            lines.append(ev)
    return list(dict.fromkeys(t for t in lines if t))


def _digest(model: str, lines: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join([model, *lines]).encode()).hexdigest()


def _pending(
    conn: Connection, model: str, after: int, limit: int, min_sources: int
) -> list[dict[str, Any]]:
    q = (
        select(
            articles.c.id,
            articles.c.title,
            articles.c.text,
            articles.c.url,
            articles.c.source_name,
            analyses.c.data,
            sentence_vectors.c.text_hash,
        )
        .select_from(
            articles.join(analyses, analyses.c.article_id == articles.c.id)
            .join(story_members, story_members.c.article_id == articles.c.id)
            .join(stories, stories.c.id == story_members.c.story_id)
            .outerjoin(
                sentence_vectors,
                and_(
                    sentence_vectors.c.article_id == articles.c.id,
                    sentence_vectors.c.model == model,
                ),
            )
        )
        .where(
            articles.c.id > after,
            # only stories the drafts stage will draft: the same rule as drafts.stage
            stories.c.status != "merged",
            stories.c.n_sources >= min_sources,
            # only what has none, or an analysis newer than its vectors: a pass over a big
            # store does not re-read every article
            or_(
                sentence_vectors.c.text_hash.is_(None),
                analyses.c.created_at > sentence_vectors.c.created_at,
            ),
        )
        .order_by(articles.c.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def store_vectors(
    engine: Engine, model: str, rows: Sequence[tuple[int, str, list[str]]], encode: Encoder
) -> int:
    """Encode and keep (article id, digest, lines) rows; returns the articles written."""
    todo = [r for r in rows if r[2]]
    if not todo:
        return 0
    flat = [t for _, _, lines in todo for t in lines]
    uniq = list(dict.fromkeys(flat))  # wire copy repeats whole sentences: encode each once
    by_text = dict(zip(uniq, np.asarray(encode(uniq), dtype=np.float32), strict=True))
    vecs = np.stack([by_text[t] for t in flat])
    written = at = 0
    for aid, digest, lines in todo:
        block = vecs[at : at + len(lines)]
        at += len(lines)
        try:
            with engine.begin() as conn:
                conn.execute(
                    delete(sentence_vectors).where(
                        sentence_vectors.c.article_id == aid, sentence_vectors.c.model == model
                    )
                )
                conn.execute(
                    insert(sentence_vectors).values(
                        article_id=aid,
                        model=model,
                        text_hash=digest,
                        dim=int(block.shape[1]),
                        texts=list(lines),
                        vectors=block.tobytes(),
                        created_at=utcnow(),
                    )
                )
            written += 1
        except IntegrityError:  # another process stored the same article first: keep it
            logger.debug("article %s: sentence vectors already stored", aid)
    return written


def run_sentence_vectors(engine: Engine, config: Any, *, encode: Encoder | None = None) -> int:
    """Encode the candidate lines of every analysed article of a story to be drafted that
    has none stored (or whose text or analysis changed since); returns the articles
    encoded."""
    model, s = model_name(config), config.drafts
    after = done = 0
    while batch := _with_engine(engine, model, after, s.min_sources):
        after = batch[-1]["id"]
        rows = []
        for r in batch:
            a = make_article({**r, "outlet": r["source_name"]}, r["data"])
            lines = article_lines(a, s)
            digest = _digest(model, lines)
            if r["text_hash"] != digest:
                rows.append((int(r["id"]), digest, lines))
        if rows:
            done += store_vectors(engine, model, rows, encode or encoder_for(config))
    if done:
        logger.info("sentence vectors stored for %d articles", done)
    return done


def _with_engine(engine: Engine, model: str, after: int, min_sources: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return _pending(conn, model, after, _BATCH_ARTICLES, min_sources)


def load_vectors(conn: Connection, ids: Sequence[int], model: str) -> dict[str, np.ndarray]:
    """line -> unit vector, over the stored vectors of these articles."""
    out: dict[str, np.ndarray] = {}
    if not ids:
        return out
    q = select(sentence_vectors.c.texts, sentence_vectors.c.dim, sentence_vectors.c.vectors).where(
        sentence_vectors.c.article_id.in_(list(ids)), sentence_vectors.c.model == model
    )
    for texts, dim, blob in conn.execute(q):
        vecs = np.frombuffer(blob, dtype=np.float32).reshape(-1, dim)
        out.update(zip(texts, vecs, strict=True))
    return out


def prefilled(encode: Encoder, known: dict[str, np.ndarray]) -> Encoder:
    """`encode` that answers from `known` first and encodes only the rest."""

    def enc(texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, encode(missing), strict=True))
        if not texts:
            return encode([])
        return np.stack([known[t] for t in texts])

    return enc


def member_encoder(
    engine: Engine,
    config: Any,
    members: Sequence[dict[str, Any]],
    data: dict[int, dict[str, Any]],
    encode: Encoder,
) -> Encoder:
    """An encoder for one story's draft that reads its members' stored sentence vectors;
    a member processed before the sentences stage existed is encoded and stored now."""
    model, s = model_name(config), config.drafts
    ids = [int(m["id"]) for m in members]
    with engine.connect() as conn:
        have = {
            int(r.article_id): r.text_hash
            for r in conn.execute(
                select(sentence_vectors.c.article_id, sentence_vectors.c.text_hash).where(
                    sentence_vectors.c.article_id.in_(ids), sentence_vectors.c.model == model
                )
            )
        }
    rows = []
    for m in members:
        a = make_article(m, data.get(int(m["id"])))
        lines = article_lines(a, s)
        digest = _digest(model, lines)
        if have.get(a.id) != digest:
            rows.append((a.id, digest, lines))
    if rows:
        store_vectors(engine, model, rows, encode)
    with engine.connect() as conn:
        known = load_vectors(conn, ids, model)
    return prefilled(encode, known)
