"""NLP: entities, numeric facts, time references and quotes for each article (issue 4)."""

from nlp.analyse import PIPELINE_VERSION, analyse_texts
from nlp.entities import canonical_entity, entity_key, merge_entities, resolve_name
from nlp.pipelines import model_for

__all__ = [
    "PIPELINE_VERSION",
    "analyse_texts",
    "canonical_entity",
    "entity_key",
    "merge_entities",
    "model_for",
    "resolve_name",
]
