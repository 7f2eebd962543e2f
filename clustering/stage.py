"""The embedding and clustering stages over stored rows.

Articles are clustered in publication order against the live stories, whose clusterer
state lives in `stories.state`, so a restarted daemon picks up exactly where it stopped.
Editor-assigned memberships are never revisited: the algorithm only places new articles.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select

from clustering.consolidate_stage import consolidate_stored
from clustering.embed import Embedder, embed_input, get_embedder, vector_to_bytes
from clustering.state import ArticleFeatures
from clustering.stored import load_clusterer, load_features
from clustering.streaming import StreamingClusterer
from core.config import Config
from core.settings.clustering import ClusteringSettings
from store.articles import (
    DONE,
    ERROR,
    SKIPPED,
    Claim,
    ClaimLost,
    claim,
    finish,
    finish_many,
    text_hash,
)
from store.claims import lease_of
from store.db import aware, utcnow
from store.locks import CLUSTER, writer_lock
from store.schema import PENDING, articles, embeddings, stories, story_members
from store.stories import (
    CONSOLIDATED,
    PLACED,
    StaleStory,
    assign,
    bump_cluster_epoch,
    bump_counter,
    cluster_epoch,
    create_story,
    read_counter,
    refresh_story,
)

logger = logging.getLogger(__name__)


def embedding_models(cfg: ClusteringSettings) -> list[str]:
    """The models every article is embedded with: the main one, then the cross-lingual one."""
    return [cfg.model] + (
        [cfg.cross_model] if cfg.cross_model and cfg.cross_model != cfg.model else []
    )


def model_embedder(cfg: ClusteringSettings, model: str) -> Embedder:
    """One of `embedding_models(cfg)`, loaded once per process (clustering.embed.get_embedder)."""
    return get_embedder(cfg, model)


def run_embed(engine: Engine, config: Config) -> dict[str, int]:
    """Embed title + lead of every article whose fetch is done, with each of the configured
    models; never twice per text+model (vectors are stored under their model's name)."""
    cfg = config.clustering
    seen = computed = 0
    lease = lease_of(config.workers, "embed")
    while ids := claim(engine, "embed", cfg.batch_size * 4, lease=lease):
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
        try:  # vectors are idempotent; the status only moves while the claim is ours
            with engine.begin() as conn:
                finish_many(conn, [r["id"] for r in rows], "embed", DONE, token=ids.token)
        except ClaimLost:
            logger.info("embed: a claim expired; another worker took its articles")
            continue
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
    vectors = model_embedder(cfg, model).encode([r["input"] for r in todo])
    now = utcnow()
    with engine.begin() as conn:  # one delete and one batched insert, not two per article
        conn.execute(
            embeddings.delete().where(
                embeddings.c.article_id.in_([r["id"] for r in todo]), embeddings.c.model == model
            )
        )
        conn.execute(
            insert(embeddings),
            [
                {
                    "article_id": r["id"],
                    "model": model,
                    "text_hash": text_hash(model, r["input"]),
                    "dim": int(v.shape[0]),
                    "vector": vector_to_bytes(v),
                    "created_at": now,
                }
                for r, v in zip(todo, vectors, strict=True)
            ],
        )
    return len(todo)


def _oldest_pending(engine: Engine) -> datetime | None:
    stamp = func.coalesce(articles.c.published_at, articles.c.created_at)
    with engine.connect() as conn:
        t = conn.execute(
            select(func.min(stamp)).where(articles.c.cluster_status == PENDING)
        ).scalar()
    return aware(t) if t is not None else None


def _versions(engine: Engine, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    with engine.connect() as conn:
        q = select(stories.c.id, stories.c.version).where(stories.c.id.in_(list(ids)))
        return {sid: v for sid, v in conn.execute(q)}


def _upstream_horizon():  # noqa: ANN202 - a scalar subquery
    """The oldest article that may still reach the cluster stage (fetch, NLP or embedding
    pending). The stage places only articles older than it, so N workers place articles
    in the same order as one process that ran every stage to the end first."""
    up = articles.alias("upstream")
    fetched = up.c.fetch_status.in_((DONE, SKIPPED))
    pending = or_(
        up.c.fetch_status == PENDING,
        and_(fetched, or_(up.c.nlp_status == PENDING, up.c.embed_status == PENDING)),
    )
    return (
        select(func.min(func.coalesce(up.c.published_at, up.c.created_at)))
        .where(pending, up.c.cluster_status == PENDING)
        .scalar_subquery()
    )


def _ready_condition():  # noqa: ANN202 - a SQL condition
    horizon = _upstream_horizon()
    stamp = func.coalesce(articles.c.published_at, articles.c.created_at)
    return or_(horizon.is_(None), stamp < horizon)


def _all_placed(engine: Engine) -> bool:
    """No article left that the cluster stage will ever place (now or once upstream ends):
    an error in an earlier stage keeps an article out for good."""
    dead = or_(
        articles.c.fetch_status == ERROR,
        articles.c.nlp_status == ERROR,
        articles.c.embed_status == ERROR,
    )
    q = select(articles.c.id).where(articles.c.cluster_status == PENDING, ~dead).limit(1)
    with engine.connect() as conn:
        return conn.execute(q).first() is None


def run_cluster(engine: Engine, config: Config, *, wait: bool | float = False) -> dict[str, int]:
    """Place every pending article, in publication order, in a live story or a new one;
    every `consolidate_every` placed articles (counted store-wide), and when everything is
    placed, consolidate the stories touched since the last pass (clustering/consolidate.py).

    Clustering has one writer at a time across every machine (store/locks.py CLUSTER):
    the lock is taken per claimed batch, with `wait` (False: a worker that finds it busy
    returns at once with `busy` and does its other stages). Every write bumps the store's
    clustering epoch; a writer that finds it moved since its own last write reloads the
    live stories first, so N workers cluster exactly as one would.
    """
    cfg = config.clustering
    # Only the holder of the clustering lock claims cluster rows, and it finishes them before
    # letting go: under the lock, any claim left is a dead writer's, to be taken at once (so
    # its batch is placed now, in publication order, not after a lease).
    lease = timedelta(0)
    out = {"articles": 0, "new_stories": 0, "merged": 0, "split": 0}
    view: dict[str, Any] = {"clusterer": None, "versions": {}, "epoch": -1}
    changes: list = []
    ready = _ready_condition()
    while True:
        with writer_lock(engine, CLUSTER, wait=wait) as got:
            if not got:
                out["busy"] = 1
                break
            with engine.connect() as conn:
                if cluster_epoch(conn) != view["epoch"]:
                    view["clusterer"] = None  # someone else wrote: our view is stale
            batch = cfg.batch_size * 4
            ids = claim(
                engine, "cluster", batch, order_by_published=True, lease=lease, where=[ready]
            )
            if not ids:
                if _all_placed(engine):
                    _consolidate(engine, config, view, changes, final=True)
                break
            _place_batch(engine, config, view, ids, out, changes)
    out["merged"] = sum(1 for c in changes if c.kind == "merge")
    out["split"] = sum(1 for c in changes if c.kind == "split")
    return out


def _live_view(engine: Engine, config: Config, view: dict[str, Any]) -> StreamingClusterer:
    if view["clusterer"] is None:
        oldest = _oldest_pending(engine) or utcnow()
        since = oldest - timedelta(hours=config.clustering.window_hours)
        view["clusterer"], view["versions"] = load_clusterer(engine, config, since)
    return view["clusterer"]


def _place_batch(
    engine: Engine,
    config: Config,
    view: dict[str, Any],
    ids: Claim,
    out: dict[str, int],
    changes: list,
) -> None:
    every = config.clustering.consolidate_every
    with engine.connect() as conn:
        feats = load_features(conn, ids, config.clustering.model, config.clustering.cross_model)
    for aid in ids:
        clusterer = _live_view(engine, config, view)
        try:
            seq = _place(engine, clusterer, view, feats.get(aid), aid, ids.token, out)
        except (ClaimLost, StaleStory) as exc:
            logger.warning("cluster: %s; reloading the live stories", exc)
            view["clusterer"] = None
            return
        if every and seq and seq % every == 0:
            _consolidate(engine, config, view, changes)


def _place(
    engine: Engine,
    clusterer: StreamingClusterer,
    view: dict[str, Any],
    art: ArticleFeatures | None,
    aid: int,
    token: str,
    out: dict[str, int],
) -> int | None:
    """One article into its story, in one transaction; returns its placement number."""
    versions = view["versions"]
    with engine.begin() as conn:
        finish(conn, aid, "cluster", DONE if art else SKIPPED, token=token)
        if art is None:  # no embedding: nothing to cluster on
            view["epoch"] = bump_cluster_epoch(conn)
            return None
        clusterer.expire(art.published)
        d = clusterer.decide(art)
        if d.story_id is None:
            sid = create_story(conn, art.title, art.published)
            state = clusterer.new_story(sid, art)
            versions[sid] = 0
            out["new_stories"] += 1
        else:
            sid = d.story_id
            state = clusterer.add_article(sid, art)
        seq = bump_counter(conn, PLACED)
        assign(conn, aid, sid, score=d.score, seq=seq)
        versions[sid] = refresh_story(conn, sid, expect_version=versions.get(sid), state=state)
        out["articles"] += 1
        view["epoch"] = bump_cluster_epoch(conn)
    return seq


def _consolidate(
    engine: Engine, config: Config, view: dict[str, Any], changes: list, final: bool = False
) -> None:
    """Consolidate the stories placed into since the last pass, whoever placed them."""
    with engine.begin() as conn:
        since, placed = read_counter(conn, CONSOLIDATED), read_counter(conn, PLACED)
        if placed == since or not config.clustering.consolidate_every:
            return
        touched = {
            r[0]
            for r in conn.execute(
                select(story_members.c.story_id).where(story_members.c.seq > since).distinct()
            )
        }
    clusterer = _live_view(engine, config, view)
    with engine.begin() as conn:
        found = consolidate_stored(conn, clusterer, touched, config)
        bump_counter(conn, CONSOLIDATED, placed - since)
        view["epoch"] = bump_cluster_epoch(conn)
    changes.extend(found)
    view["versions"].update(_versions(engine, {s for c in found for s in (c.story, c.other)}))
