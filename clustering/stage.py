"""The embedding and clustering stages over stored rows.

Articles are clustered in publication order against the live stories, whose clusterer
state lives in `stories.state`, so a restarted daemon picks up exactly where it stopped.
Editor-assigned memberships are never revisited: the algorithm only places new articles.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from clustering.consolidate_stage import consolidate_stored
from clustering.embed import embed_input, load_embedder, vector_to_bytes
from clustering.stored import load_clusterer, load_features
from core.config import Config
from core.settings.clustering import ClusteringSettings
from store.articles import DONE, claim, finish, text_hash
from store.db import aware, utcnow
from store.schema import PENDING, articles, embeddings
from store.stories import assign, create_story, refresh_story

logger = logging.getLogger(__name__)


def embedding_models(cfg: ClusteringSettings) -> list[str]:
    """The models every article is embedded with: the main one, then the cross-lingual one."""
    return [cfg.model] + (
        [cfg.cross_model] if cfg.cross_model and cfg.cross_model != cfg.model else []
    )


def run_embed(engine: Engine, config: Config) -> dict[str, int]:
    """Embed title + lead of every article whose fetch is done, with each of the configured
    models; never twice per text+model (vectors are stored under their model's name)."""
    cfg = config.clustering
    seen = computed = 0
    while ids := claim(engine, "embed", cfg.batch_size * 4):
        with engine.connect() as conn:
            rows = [
                dict(r._mapping)
                for r in conn.execute(
                    select(articles.c.id, articles.c.title, articles.c.text).where(
                        articles.c.id.in_(ids)
                    )
                )
            ]
        for r in rows:
            r["input"] = embed_input(r["title"], r["text"], cfg.lead_chars)
        for model in embedding_models(cfg):
            computed += _embed_rows(engine, cfg, model, rows)
        with engine.begin() as conn:
            for r in rows:
                finish(conn, r["id"], "embed", DONE)
        seen += len(rows)
    return {"articles": seen, "embedded": computed}


def _embed_rows(engine: Engine, cfg: ClusteringSettings, model: str, rows: list[dict]) -> int:
    """Store `model`'s vector of each row whose input changed since its last one."""
    with engine.connect() as conn:
        have = dict(
            conn.execute(
                select(embeddings.c.article_id, embeddings.c.text_hash).where(
                    embeddings.c.article_id.in_([r["id"] for r in rows]),
                    embeddings.c.model == model,
                )
            ).all()
        )
    todo = [r for r in rows if have.get(r["id"]) != text_hash(model, r["input"])]
    if not todo:
        return 0
    embedder = load_embedder(
        model, cfg.batch_size, "auto" if model != cfg.model else cfg.backend, cfg.embed_threads
    )
    vectors = embedder.encode([r["input"] for r in todo])
    with engine.begin() as conn:
        for r, v in zip(todo, vectors, strict=True):
            conn.execute(
                embeddings.delete().where(
                    embeddings.c.article_id == r["id"], embeddings.c.model == model
                )
            )
            conn.execute(
                insert(embeddings).values(
                    article_id=r["id"],
                    model=model,
                    text_hash=text_hash(model, r["input"]),
                    dim=int(v.shape[0]),
                    vector=vector_to_bytes(v),
                    created_at=utcnow(),
                )
            )
    return len(todo)


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
            feats = load_features(conn, ids, cfg.model, cfg.cross_model)
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
