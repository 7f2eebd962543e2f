"""Draft settings: the `[drafts]` section of config.toml.

Every threshold the draft builder uses lives here, so an editor-facing change of taste
(more numbers, stricter near-duplicate test) is a config change, not a code change.
"""

from pydantic import Field

from core.settings_base import Section

_WHY_CUES = [
    "significant",
    "first time",
    "first-ever",
    "major",
    "impact",
    "means that",
    "because",
    "record",
    "biggest",
    "largest",
    "critical",
    "threat",
    "risk",
    "implications",
    "crucial",
    "key",
    "matters",
    "important",
    "concern",
    "unprecedented",
    "landmark",
    "setback",
    "boost",
]
_WATCH_CUES = [
    "will",
    "whether",
    "is expected to",
    "are expected to",
    "expects to",
    "could",
    "plans to",
    "planned",
    "deadline",
    "next week",
    "next month",
    "next year",
    "later this",
    "upcoming",
    "is set to",
    "are set to",
    "scheduled",
    "likely to",
    "forecast",
    "is due",
    "are due",
    "pending",
    "by the end of",
]
_WATCH_HEADINGS = [
    "what to watch",
    "what's next",
    "what’s next",
    "what comes next",
    "outlook",
    "looking ahead",
    "next steps",
    "what happens next",
]
_WHY_HEADINGS = [
    "why it matters",
    "why this matters",
    "why it's important",
    "why it’s important",
    "the big picture",
    "what it means",
]
# Acronyms and words NER takes for names that name no one in particular.
_GENERIC_ENTITIES = [
    "AI",
    "A.I.",
    "API",
    "APIs",
    "CEO",
    "CFO",
    "CTO",
    "COO",
    "IPO",
    "GPU",
    "GPUs",
    "CPU",
    "SDK",
    "LLM",
    "LLMs",
    "App",
    "Apps",
    "PC",
    "TV",
    "IT",
    "UI",
    "VR",
    "AR",
    "ML",
    "SaaS",
    "ESG",
    "GDP",
    "CPI",
    "NFT",
    "EV",
    "EVs",
    "FAQ",
    "PDF",
    "URL",
    "HTML",
    "Wi-Fi",
    "Getty Images",
    "Reuters",
    "AP",
    "AFP",
    "Photo",
]
# Page furniture that extraction lets through; never a summary line or a take.
_BOILERPLATE_CUES = [
    "copyright",
    "all rights reserved",
    "click here",
    "sign up",
    "subscribe",
    "newsletter",
    "follow us",
    "read more",
    "advertisement",
    "cookie",
    "cookies",
    "terms of use",
    "privacy policy",
    "non-commercial use",
    "presentation-ready copies",
    "reprint rights",
]


class DraftSettings(Section):
    min_sources: int = Field(2, gt=0, description="Outlets a story needs before it is drafted.")
    desk_language: str = Field(
        "en",
        min_length=2,
        description="The desk's language: the summary prefers sentences in it and falls back "
        "to other languages (marked with theirs) only when it has too few.",
    )
    summary_sentences: int = Field(
        4, ge=3, le=5, description="Sentences in the summary (the page layout asks for 3-5)."
    )
    max_sentences_per_article: int = Field(
        15,
        gt=0,
        description="Leading sentences of each article considered; news puts its substance "
        "first and this bounds embedding work on long stories.",
    )
    max_pool_sentences: int = Field(
        2000,
        gt=0,
        description="Most sentences a story's draft embeds; big stories take fewer leading "
        "sentences per article to stay under it.",
    )
    max_pool_facts: int = Field(
        1000,
        gt=0,
        description="Most figures a story's draft compares; shared out over its articles "
        "(each keeps its first ones, at least min_sentences_per_article).",
    )
    min_sentences_per_article: int = Field(
        3, gt=0, description="Leading sentences of each article considered however big the story."
    )
    embedding_cache: int = Field(
        50_000,
        ge=0,
        description="Sentence vectors kept in memory between redrafts, so a story that gains "
        "an article embeds only the new article's sentences (0 turns the cache off).",
    )
    min_sentence_words: int = Field(
        5, ge=1, description="Shorter sentences (datelines, captions) are never picked."
    )
    max_sentence_words: int = Field(
        70, gt=0, description="Longer 'sentences' (lists, run-ons, page furniture) are skipped."
    )
    near_duplicate: float = Field(
        0.85,
        gt=0,
        le=1,
        description="Cosine similarity at or above which two sentences count as the same point.",
    )
    mmr_lambda: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Summary pick: weight of centrality against new-entity coverage.",
    )
    mmr_redundancy: float = Field(
        0.5, ge=0, description="Summary pick: penalty per unit of similarity to picked sentences."
    )
    main_entities: int = Field(
        8, gt=0, description="Most salient entities the summary tries to cover."
    )
    heads: int = Field(3, gt=0, description="Lead entities named in the Meta line.")
    entities_max: int = Field(12, gt=0, description="Entities listed under Across the graph.")
    dek_max_words: int = Field(35, gt=0, description="Longest sentence used as the dek.")
    numbers_max: int = Field(8, ge=0, description="Figures listed under By the numbers.")
    number_tolerance: float = Field(
        0.005,
        ge=0,
        description="Relative difference under which two sources' figures are the same figure.",
    )
    number_same_similarity: float = Field(
        0.6,
        ge=-1,
        le=1,
        description="Two bare counts (no unit) with the same value are one figure when their "
        "sentences are at least this similar (or they count the same 'what').",
    )
    number_conflict_similarity: float = Field(
        0.5,
        ge=-1,
        le=1,
        description="Two outlets' figures with the same unit but different values are flagged "
        "as a conflict when their sentences are at least this similar.",
    )
    number_conflict_max_ratio: float = Field(
        2.0,
        ge=1,
        description="Figures further apart than this factor measure different things and are "
        "never flagged as a conflict.",
    )
    numbers_need_digits: bool = Field(
        True,
        description="List only figures written with digits; spelled-out counts ('two stairs') "
        "are mostly colour, not figures.",
    )
    quote_max_words: int = Field(
        40, gt=0, description="Quotes longer than this are offered only when no shorter one is."
    )
    why_max: int = Field(2, ge=0, description="Why-it-matters suggestions.")
    watch_max: int = Field(3, ge=0, description="What-to-watch suggestions.")
    why_cues: list[str] = Field(
        default_factory=lambda: list(_WHY_CUES),
        description="Words/phrases marking a sentence about significance (whole-word match).",
    )
    watch_cues: list[str] = Field(
        default_factory=lambda: list(_WATCH_CUES),
        description="Words/phrases marking a forward-looking sentence (whole-word match).",
    )
    boilerplate_cues: list[str] = Field(
        default_factory=lambda: list(_BOILERPLATE_CUES),
        description="Words/phrases marking page furniture (copyright lines, sign-up prompts); "
        "sentences with one are never picked.",
    )
    take_on_topic: float = Field(
        0.3,
        ge=-1,
        le=1,
        description="A take sentence must be at least this similar to the rest of the story "
        "(or name one of its main entities) to count as on-topic.",
    )
    take_relevance_weight: float = Field(
        0.5,
        ge=0,
        description="Take pick: weight of closeness to the rest of the story against novelty "
        "(1 - similarity to what other outlets said).",
    )
    related_max: int = Field(5, ge=0, description="Related stories listed under Across the graph.")
    related_min_score: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Least similarity (centroid cosine or entity overlap) for a related story.",
    )
    related_candidates: int = Field(
        500, gt=0, description="Most recent stories compared when looking for related ones."
    )
    embedding_model: str | None = Field(
        None,
        description="Sentence model for centrality and near-duplicates: a path or an installed "
        "model package; empty means the clustering model.",
    )
    embed_batch_size: int = Field(
        32, gt=0, description="Sentences per batch of embedding_model (batched by token count)."
    )
    headline_min_words: int = Field(
        4, gt=0, description="Fewer words: a section label or kicker, never the headline."
    )
    headline_max_words: int = Field(
        30, gt=0, description="More words: a run-on line of page text, never the headline."
    )
    stray_margin: float = Field(
        0.3,
        ge=0,
        le=2,
        description="A member whose fit (cosine to the other members) is this far below the "
        "story's median fit is possibly not this story: flagged, and it supplies nothing.",
    )
    stray_max_fit: float = Field(
        0.25,
        ge=-1,
        le=1,
        description="...and only when its fit is also below this (a loose but on-topic member "
        "is kept).",
    )
    encoder_languages: list[str] = Field(
        ["en"],
        description="Languages the sentence model reads (all-MiniLM-L6-v2: English); a member "
        "in another language is never flagged as a stray by its fit.",
    )
    stray_min_members: int = Field(
        3, ge=2, description="Members a story needs before any can be called a stray."
    )
    syndication_similarity: float = Field(
        0.9,
        gt=0,
        le=1,
        description="Two sentences at or above this cosine are the same wire sentence.",
    )
    syndication_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Two outlets print the same copy when this share of the shorter one's "
        "sentences are wire sentences of the other: one take, 'also ran' for the rest.",
    )
    watch_headings: list[str] = Field(
        default_factory=lambda: list(_WATCH_HEADINGS),
        description="Section headings of a source whose sentences supply What to watch first.",
    )
    why_headings: list[str] = Field(
        default_factory=lambda: list(_WHY_HEADINGS),
        description="Section headings of a source whose sentences supply Why it matters first.",
    )
    generic_entities: list[str] = Field(
        default_factory=lambda: list(_GENERIC_ENTITIES),
        description="Names never listed as the story's entities (generic acronyms, platforms, "
        "wire credits).",
    )
    entity_lower_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="A one-word name the story's text writes in lower case at least this "
        "often (outside sentence starts) is a common word, not an entity.",
    )
    headline_truncated_penalty: float = Field(
        0.05,
        ge=0,
        description="Centrality taken off a title that ends in '...' when choosing the headline.",
    )
