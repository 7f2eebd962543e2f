"""Labelled takes into a store, as the pipeline would have left them, for evaluation.

Each take becomes a fetched article of its outlet with its clustering vector (model, text
hash and all, so `load_takes` reuses it instead of embedding again) and a member of its
story. Labels are set separately (`models.stage.set_label`), so an evaluation decides which
takes the "editors" have labelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, insert

from clustering.embed import embed_input, vector_to_bytes
from core.settings.clustering import ClusteringSettings
from models.lensfile import LabelledTake
from store.articles import text_hash
from store.schema import articles, embeddings, story_members
from store.stories import create_story

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def embedding_inputs(takes: Sequence[LabelledTake], cfg: ClusteringSettings) -> list[str]:
    """What the embed stage embeds for each take (title + lead)."""
    return [embed_input(t.title, t.text, cfg.lead_chars) for t in takes]


def store_labelled_takes(
    engine: Engine,
    takes: Sequence[LabelledTake],
    vectors: np.ndarray,
    cfg: ClusteringSettings,
) -> list[int]:
    """Insert `takes` (row-aligned with `vectors`) with their stories; their article ids."""
    inputs = embedding_inputs(takes, cfg)
    batch = uuid.uuid4().hex[:12]  # URLs unique across calls on one store
    story_ids: dict[str, int] = {}
    ids: list[int] = []
    with engine.begin() as conn:
        for name in sorted({t.story for t in takes}):
            story_ids[name] = create_story(conn, name, T0)
        for n, t in enumerate(takes):
            at = T0 + timedelta(minutes=n)
            aid = conn.execute(
                insert(articles)
                .values(
                    canonical_url=f"https://lens.invalid/{batch}/{n}",
                    url=f"https://lens.invalid/{batch}/{n}",
                    source_name=t.source or None,
                    title=t.title or None,
                    text=t.text,
                    published_at=at,
                    lang="en",
                    extraction="import",
                    fetch_status="done",
                    embed_status="done",
                    cluster_status="done",
                    attempts=0,
                    created_at=at,
                    updated_at=at,
                )
                .returning(articles.c.id)
            ).scalar_one()
            v = vectors[n]
            conn.execute(
                insert(embeddings).values(
                    article_id=aid,
                    model=cfg.model,
                    text_hash=text_hash(cfg.model, inputs[n]),
                    dim=int(v.shape[0]),
                    vector=vector_to_bytes(v),
                    created_at=at,
                )
            )
            conn.execute(
                insert(story_members).values(
                    article_id=aid,
                    story_id=story_ids[t.story],
                    assigned_by="algorithm",
                    assigned_at=at,
                )
            )
            ids.append(aid)
    return ids
