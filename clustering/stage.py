"""The embedding and clustering stages over stored rows.

Articles are clustered in publication order against the live stories, whose clusterer
state lives in `stories.state`, so a restarted daemon picks up exactly where it stopped.
Editor-assigned memberships are never revisited: the algorithm only places new articles.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, insert, select

from clustering.consolidate_stage import consolidate_stored
from clustering.embed import embed_input, get_embedder, vector_to_bytes
from clustering.stored import load_clusterer, load_features
from core.config import Config
from store.articles import DONE, claim, finish, text_hash
from store.db import aware, utcnow
from store.schema import PENDING, articles, embeddings
from store.stories import assign, create_story, refresh_story

logger = logging.getLogger(__name__)


def run_embed(engine: Engine, config: Config) -> dict[str, int]:
    """Embed title + lead of every article whose fetch is done; never twice per text+model."""
    cfg = config.clustering
    embedder = None
    seen = computed = 0
    while ids := claim(engine, "embed", cfg.batch_size * 4):
        q = (
            select(articles.c.id, articles.c.title, articles.c.text, embeddings.c.text_hash)
            .select_from(
                articles.outerjoin(
                    embeddings,
                    and_(embeddings.c.article_id == articles.c.id, embeddings.c.model == cfg.model),
                )
            )
            .where(articles.c.id.in_(ids))
        )
        with engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        todo = []
        for r in rows:
            r["input"] = embed_input(r["title"], r["text"], cfg.lead_chars)
            r["digest"] = text_hash(cfg.model, r["input"])
            if r["text_hash"] != r["digest"]:
                todo.append(r)
        if todo:
            embedder = embedder or get_embedder(cfg)
            vectors = embedder.encode([r["input"] for r in todo])
        with engine.begin() as conn:
            for r, v in zip(todo, vectors if todo else [], strict=True):
                conn.execute(
                    embeddings.delete().where(
                        embeddings.c.article_id == r["id"], embeddings.c.model == cfg.model
                    )
                )
                conn.execute(
                    insert(embeddings).values(
                        article_id=r["id"],
                        model=cfg.model,
                        text_hash=r["digest"],
                        dim=int(v.shape[0]),
                        vector=vector_to_bytes(v),
                        created_at=utcnow(),
                    )
                )
            for r in rows:
                finish(conn, r["id"], "embed", DONE)
        seen += len(rows)
        computed += len(todo)
    return {"articles": seen, "embedded": computed}


def _oldest_pending(engine: Engine) -> datetime | None:
    stamp = func.coalesce(articles.c.published_at, articles.c.created_at)
    with engine.connect() as conn:
        t = conn.execute(
            select(func.min(stamp)).where(articles.c.cluster_status == PENDING)
        ).scalar()
    return aware(t) if t is not None else None


def run_cluster(engine: Engine, config: Config) -> dict[str, int]:
    """Place every pending article, in publication order, in a live story or a new one;
    every `consolidate_every` placed articles, and at the end, consolidate the stories
    touched since the last pass (clustering/consolidate.py)."""
    cfg = config.clustering
    oldest = _oldest_pending(engine)
    if oldest is None:
        return {"articles": 0, "new_stories": 0, "merged": 0, "split": 0}
    clusterer = load_clusterer(engine, config, oldest - timedelta(hours=cfg.window_hours))
    placed = opened = 0
    touched: set[int] = set()
    changes: list = []

    def consolidate_touched() -> None:
        with engine.begin() as conn:
            changes.extend(consolidate_stored(conn, clusterer, touched, config))
        touched.clear()

    while ids := claim(engine, "cluster", cfg.batch_size * 4, order_by_published=True):
        with engine.connect() as conn:
            feats = load_features(conn, ids, cfg.model)
        for aid in ids:
            art = feats.get(aid)
            with engine.begin() as conn:
                if art is None:  # no embedding: nothing to cluster on
                    finish(conn, aid, "cluster", "skipped")
                    continue
                clusterer.expire(art.published)
                d = clusterer.decide(art)
                if d.story_id is None:
                    sid = create_story(conn, art.title, art.published)
                    state = clusterer.new_story(sid, art)
                    opened += 1
                else:
                    sid = d.story_id
                    state = clusterer.add_article(sid, art)
                assign(conn, aid, sid, score=d.score)
                refresh_story(conn, sid, state=state)
                finish(conn, aid, "cluster", DONE)
                placed += 1
                touched.add(sid)
            if cfg.consolidate_every and placed % cfg.consolidate_every == 0:
                consolidate_touched()
    if cfg.consolidate_every and touched:
        consolidate_touched()
    return {
        "articles": placed,
        "new_stories": opened,
        "merged": sum(1 for c in changes if c.kind == "merge"),
        "split": sum(1 for c in changes if c.kind == "split"),
    }
