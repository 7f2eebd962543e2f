"""Which spaCy pipeline serves a language, loaded once per process and cached.

A language with an installed model in settings.models gets it (minus the components in
settings.exclude_components); any other gets a blank pipeline with a rule-based sentencizer,
so sentences and numbers still come out, and the article is marked "no NER for <lang>".
To add a language: install its spaCy package (e.g. de_core_news_sm) into the venv and add
`de = "de_core_news_sm"` under [nlp.models] in config.toml; bump PIPELINE_VERSION.
"""

from __future__ import annotations

import functools
import logging

import spacy
from spacy.language import Language

from core.settings.nlp import NlpSettings

logger = logging.getLogger(__name__)

BLANK_PREFIX = "blank:"


def normalise_lang(lang: str | None, settings: NlpSettings) -> str:
    """'en-US' → 'en'; None or junk → settings.default_lang."""
    if not lang or not isinstance(lang, str):
        return settings.default_lang
    code = lang.strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else settings.default_lang


@functools.lru_cache(maxsize=32)
def _package_version(name: str) -> str | None:
    if not spacy.util.is_package(name):
        return None
    return spacy.util.get_package_version(name)


@functools.lru_cache(maxsize=64)
def _blank_supported(lang: str) -> bool:
    try:
        spacy.util.get_lang_class(lang)
    except (ImportError, KeyError, ValueError):
        return False
    return True


def model_for(lang: str | None, settings: NlpSettings) -> str:
    """The model id stored with each result: "<package>@<version>" or "blank:<lang>"."""
    code = normalise_lang(lang, settings)
    name = settings.models.get(code)
    if name:
        version = _package_version(name)
        if version:
            return f"{name}@{version}"
        logger.warning("spaCy model %s for %r is not installed; using a blank pipeline", name, code)
    return f"{BLANK_PREFIX}{code if _blank_supported(code) else 'xx'}"


@functools.lru_cache(maxsize=64)  # a blank pipeline per language met: never evict and rebuild
def load_pipeline(
    model_id: str, exclude: tuple[str, ...] = (), compiled_pos: bool = False
) -> Language:
    """Load (once per process) the pipeline named by a model_for() id; `compiled_pos`
    swaps the attribute_ruler for its compiled POS rules (nlp/tagpos.py)."""
    if model_id.startswith(BLANK_PREFIX):
        nlp = spacy.blank(model_id[len(BLANK_PREFIX) :])
        nlp.add_pipe("sentencizer")
        logger.info("loaded blank pipeline %s", model_id)
        return nlp
    name = model_id.split("@", 1)[0]
    nlp = spacy.load(name, exclude=list(exclude))
    if compiled_pos:
        from nlp.tagpos import replace_attribute_ruler

        replace_attribute_ruler(nlp)
    logger.info("loaded %s (components: %s)", model_id, ", ".join(nlp.pipe_names))
    return nlp


def pipeline_for(model_id: str, settings: NlpSettings) -> Language:
    """The cached pipeline for a model id as the settings configure it."""
    return load_pipeline(model_id, tuple(settings.exclude_components), settings.compiled_pos)


def has_ner(nlp: Language) -> bool:
    return "ner" in nlp.pipe_names


def has_parser(nlp: Language) -> bool:
    return "parser" in nlp.pipe_names
