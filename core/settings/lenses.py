"""Lens settings: the `[lenses]` section of config.toml (taxonomy and classifier)."""

from typing import Literal

from pydantic import Field, field_validator

from core.settings_base import Section

UNLABELLED = "unlabelled"


class LensSettings(Section):
    taxonomy: list[str] = Field(
        default_factory=lambda: [
            "geopolitics / strategy",
            "industry / business",
            "policy / regulation",
            "technology",
            "markets",
            "society",
        ],
        description="The lenses editors choose from; 'unlabelled' is always the fallback.",
    )
    min_confidence: float = Field(
        0.5, ge=0, le=1, description="Below this probability a prediction is not used."
    )
    retrain_after: int = Field(
        50, gt=0, description="New editor labels after which the daemon retrains."
    )
    artifacts_dir: str = Field("data/models", description="Where model versions are kept.")
    min_labels: int = Field(
        20, ge=2, description="Fewer editor labels than this: retrain refuses (nothing to learn)."
    )
    progress_min_labels: int = Field(
        500, ge=0, description="Show a progress bar when retraining on at least this many labels."
    )
    predict_batch: int = Field(
        500, gt=0, description="Takes predicted per batch (one read, one embed, one write)."
    )
    text_chars: int = Field(
        2000,
        ge=0,
        description="Characters of a take's article text the model reads after its title "
        "(TF-IDF); the sentence embedding is clustering's (title + lead).",
    )
    # --- classifier ---
    c: float = Field(
        1.0,
        gt=0,
        description="Inverse regularisation strength of the logistic regression, used when "
        "there are too few stories for inner folds to choose one from `c_grid`.",
    )
    c_grid: list[float] = Field(
        default_factory=lambda: [0.1, 0.3, 1.0, 4.0],
        description="Regularisation strengths the story-grouped inner folds of every training "
        "choose from (nested: only the training labels are used); empty: always `c`.",
    )
    char_ngrams_grid: list[bool] = Field(
        default_factory=lambda: [False],
        description="Whether to add character 2-5-gram TF-IDF features; the inner folds choose.",
    )
    outlet_weight_grid: list[float] = Field(
        default_factory=lambda: [0.0, 1.0],
        description="Weights of the outlet prior (the outlet's labelled lens history, smoothed) "
        "the inner folds choose from; 0 leaves the outlet out.",
    )
    story_weight_grid: list[float] = Field(
        default_factory=lambda: [0.0, 1.0],
        description="Weights of the story context (the unit-norm mean embedding of every take "
        "of the take's story) the inner folds choose from; 0 leaves it out.",
    )
    outlet_prior_strength: float = Field(
        3.0,
        gt=0,
        description="Pseudo-labels of the overall lens mix added to each outlet's history, so an "
        "outlet with one or two labels barely moves its prior.",
    )
    inner_folds: int = Field(
        3,
        ge=2,
        description="Story-grouped inner folds that choose settings and fit the temperature; "
        "with fewer stories than this, `c` and no calibration are used.",
    )
    max_iter: int = Field(2000, gt=0, description="Solver iteration cap of the linear model.")
    tfidf_max_features: int = Field(
        50_000, gt=0, description="Vocabulary cap of the TF-IDF features (most frequent kept)."
    )
    tfidf_ngram_max: int = Field(
        2, ge=1, le=3, description="Longest word n-gram in the TF-IDF features."
    )
    tfidf_min_df: int = Field(
        1, ge=1, description="A term must appear in this many labelled texts to be a feature."
    )
    embedding_weight: float = Field(
        1.0,
        gt=0,
        description="Scale of the (unit-norm) sentence embedding next to the (unit-norm) "
        "TF-IDF row; >1 leans on meaning, <1 on wording.",
    )
    temperature_min: float = Field(
        0.05, gt=0, description="Lowest temperature calibration may fit (sharpens logits)."
    )
    temperature_max: float = Field(
        20.0, gt=0, description="Highest temperature calibration may fit (flattens logits)."
    )
    blas_threads: int = Field(
        1,
        ge=0,
        description="BLAS/OpenMP threads while fitting and predicting; 1 stops idle threads "
        "spinning on these small linear problems (20x faster on a busy 2-core host), 0 leaves "
        "the libraries' default.",
    )
    embed_batch_size: int = Field(
        256, gt=0, description="Texts per embedder call (also the progress bar's step)."
    )
    # --- evaluation and promotion ---
    cv_folds: int = Field(
        5,
        ge=2,
        description="Story-grouped folds (every take of a story on one side) that evaluate a "
        "retrain; fewer when there are fewer stories.",
    )
    min_stories_judged: int = Field(
        3,
        ge=1,
        description="A lens labelled in fewer stories than this is reported apart and left out "
        "of the macro-F1 that promotion and evaluation use.",
    )
    cv_seed: int = Field(
        0, description="Seed fixing the folds, so candidate and active compare on the same ones."
    )
    promotion_min_gain: float = Field(
        0.0,
        ge=0,
        description="A candidate is promoted only if its macro-F1 beats the active model's on "
        "the same folds by more than this.",
    )
    eval_cache_dir: str = Field(
        "/tmp/lens-cache",
        description="Where `storyloom eval lens` keeps the sentence embeddings of the files it "
        "evaluates (one .npy per model and file content); empty: embed every time.",
    )
    uncertainty: Literal["margin", "entropy"] = Field(
        "margin", description="How the label queue measures doubt: top-2 margin or entropy."
    )
    queue_story_decay: float = Field(
        0.5,
        ge=0,
        le=1,
        description="The label queue multiplies a take's doubt by this for every take of its "
        "story already labelled or queued, so a batch spreads over stories; 1: doubt only.",
    )

    @field_validator("taxonomy")
    @classmethod
    def _no_unlabelled(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("the taxonomy needs at least one lens")
        if UNLABELLED in v:
            raise ValueError(f"'{UNLABELLED}' is the built-in fallback, not a lens to list")
        if len(set(v)) != len(v):
            raise ValueError("lenses must be unique")
        return v
