"""Clustering's view of stored rows: article features, live stories, a story's state.

The cluster stage, consolidation and editor operations all read the store through these,
so what "a story's members as the clusterer sees them" means is written once.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, and_, select, update

from clustering.embed import bytes_to_vector
from clustering.entities import entity_keys
from clustering.learned import learned_settings
from clustering.state import ArticleFeatures, decode_array, story_state_from_articles
from clustering.streaming import StreamingClusterer
from core.config import Config
from core.settings.clustering import ClusteringSettings
from store.db import aware
from store.schema import analyses, articles, embeddings, sources, stories, story_members
from store.takes import outlet_name


def load_features(
    conn: Connection, ids: list[int], model: str, cross_model: str | None = None
) -> dict[int, ArticleFeatures]:
    """What the clusterer needs of each article: vector, title, entities, time, outlet,
    language and, when a cross-lingual model is named, its vector too."""
    if not ids:
        return {}
    xvecs: dict[int, np.ndarray] = {}
    if cross_model and cross_model != model:
        xq = select(embeddings.c.article_id, embeddings.c.vector, embeddings.c.dim).where(
            embeddings.c.article_id.in_(ids), embeddings.c.model == cross_model
        )
        xvecs = {aid: bytes_to_vector(blob, dim) for aid, blob, dim in conn.execute(xq)}
    q = (
        select(
            articles.c.id,
            articles.c.title,
            articles.c.lang,
            articles.c.published_at,
            articles.c.created_at,
            outlet_name().label("outlet"),
            embeddings.c.vector,
            embeddings.c.dim,
            analyses.c.data,
        )
        .select_from(
            articles.join(
                embeddings,
                and_(embeddings.c.article_id == articles.c.id, embeddings.c.model == model),
            )
            .outerjoin(sources, sources.c.id == articles.c.source_id)
            .outerjoin(analyses, analyses.c.article_id == articles.c.id)
        )
        .where(articles.c.id.in_(ids))
    )
    out = {}
    for r in conn.execute(q):
        ents = (r.data or {}).get("entities", []) if r.data else []
        published = aware(r.published_at or r.created_at)
        out[r.id] = ArticleFeatures(
            id=r.id,
            vector=bytes_to_vector(r.vector, r.dim),
            title=r.title or "",
            entities=entity_keys((e["text"], e["label"]) for e in ents),
            published=published,
            source=r.outlet or "",
            lang=r.lang or "",
            xvector=xvecs.get(r.id),
        )
    return out


def load_clusterer(
    engine: Engine, config: Config, since: datetime
) -> tuple[StreamingClusterer, dict[int, int]]:
    """A clusterer holding every story still live at `since` (from stored state), scoring
    with the weights `retrain-clustering` promoted, if any, and the version of each story
    as loaded (a writer checks it: store/stories.py refresh_story)."""
    clusterer = StreamingClusterer(learned_settings(config.clustering))
    q = select(stories.c.id, stories.c.state, stories.c.version).where(
        stories.c.status != "merged",
        stories.c.state.is_not(None),
        stories.c.last_article_at >= since,
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    clusterer.add_stories({sid: state for sid, state, _ in rows})
    return clusterer, {sid: v for sid, _, v in rows}


def member_features(
    conn: Connection, story_id: Hashable, model: str, cross_model: str | None = None
) -> list[ArticleFeatures]:
    """A story's members as the clusterer sees them, oldest first."""
    ids = [
        r[0]
        for r in conn.execute(
            select(story_members.c.article_id).where(story_members.c.story_id == story_id)
        )
    ]
    feats = load_features(conn, ids, model, cross_model)
    return sorted(feats.values(), key=lambda a: a.published)


def rebuild_state(
    conn: Connection, story_id: int, settings: ClusteringSettings
) -> dict[str, Any] | None:
    """Recompute a story's clusterer state from its members (after an editor change)."""
    feats = member_features(conn, story_id, settings.model, settings.cross_model)
    state = story_state_from_articles(feats, settings.recent_members) if feats else None
    conn.execute(update(stories).where(stories.c.id == story_id).values(state=state))
    return state


def story_centroids(conn: Connection, story_ids: list[int]) -> dict[int, np.ndarray]:
    """Each story's centroid (unit vector of the configured model), for stories that have
    clusterer state: what other stages may know of `stories.state`, whose format is
    clustering's own business (drafts use it to find related stories)."""
    if not story_ids:
        return {}
    q = select(stories.c.id, stories.c.state).where(
        stories.c.id.in_(story_ids), stories.c.state.is_not(None)
    )
    out = {}
    for sid, state in conn.execute(q):
        if state and state.get("centroid"):
            out[sid] = decode_array(state["centroid"], int(state["dim"]))[0]
    return out
