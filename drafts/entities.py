"""The story's entity list made canonical and clean, from the members' merged entities.

- Demonyms fold into their country ("Chinese" -> China, "Swedish" -> Sweden): a NORP name
  maps through the nationality table below, or by its stem onto a place the story names
  ("Ecuadorean" -> Ecuador when Ecuador is there); the country keeps the summed counts.
- Generic tokens are dropped: names listed in `[drafts] generic_entities` (AI, API, CEO, ...),
  and one-word names the story's own text mostly writes in lower case ("the moon", "meth",
  "frontier models"): NER reads a capitalised common word at a sentence start as a name.
- Short forms already fold into long ones in nlp.entities.merge_entities (by key, acronym,
  prefix and surname), so "DeepSeek V4 Pro" stays whole and "DeepSeek" is the company.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from nlp.entities import entity_key

# Nationality -> country, for the demonyms whose stem does not spell the country.
_NATIONALITY = {
    "american": "United States",
    "americans": "United States",
    "british": "United Kingdom",
    "briton": "United Kingdom",
    "britons": "United Kingdom",
    "english": "England",
    "scottish": "Scotland",
    "welsh": "Wales",
    "irish": "Ireland",
    "french": "France",
    "dutch": "Netherlands",
    "german": "Germany",
    "germans": "Germany",
    "swiss": "Switzerland",
    "swedish": "Sweden",
    "swedes": "Sweden",
    "danish": "Denmark",
    "finnish": "Finland",
    "norwegian": "Norway",
    "polish": "Poland",
    "spanish": "Spain",
    "portuguese": "Portugal",
    "greek": "Greece",
    "turkish": "Turkey",
    "chinese": "China",
    "japanese": "Japan",
    "korean": "Korea",
    "south korean": "South Korea",
    "north korean": "North Korea",
    "vietnamese": "Vietnam",
    "thai": "Thailand",
    "filipino": "Philippines",
    "pakistani": "Pakistan",
    "bangladeshi": "Bangladesh",
    "israeli": "Israel",
    "israelis": "Israel",
    "iraqi": "Iraq",
    "iranian": "Iran",
    "saudi": "Saudi Arabia",
    "emirati": "United Arab Emirates",
    "afghan": "Afghanistan",
    "kuwaiti": "Kuwait",
    "qatari": "Qatar",
    "yemeni": "Yemen",
    "lebanese": "Lebanon",
    "sudanese": "Sudan",
    "nepali": "Nepal",
    "nepalese": "Nepal",
    "peruvian": "Peru",
    "argentine": "Argentina",
    "argentinian": "Argentina",
    "chilean": "Chile",
    "mexican": "Mexico",
    "canadian": "Canada",
    "brazilian": "Brazil",
    "colombian": "Colombia",
    "venezuelan": "Venezuela",
    "cuban": "Cuba",
    "russian": "Russia",
    "russians": "Russia",
    "ukrainian": "Ukraine",
    "ukrainians": "Ukraine",
    "belarusian": "Belarus",
    "italian": "Italy",
    "indian": "India",
    "indians": "India",
    "indonesian": "Indonesia",
    "malaysian": "Malaysia",
    "australian": "Australia",
    "australians": "Australia",
    "nigerian": "Nigeria",
    "nigerians": "Nigeria",
    "kenyan": "Kenya",
    "ghanaian": "Ghana",
    "egyptian": "Egypt",
    "ethiopian": "Ethiopia",
    "south african": "South Africa",
    "moroccan": "Morocco",
    "algerian": "Algeria",
    "syrian": "Syria",
    "libyan": "Libya",
    "ecuadorean": "Ecuador",
    "ecuadorian": "Ecuador",
    "bolivian": "Bolivia",
    "mongolian": "Mongolia",
    "taiwanese": "Taiwan",
    "singaporean": "Singapore",
    "austrian": "Austria",
    "belgian": "Belgium",
    "czech": "Czech Republic",
    "hungarian": "Hungary",
    "romanian": "Romania",
    "european": "Europe",
    "europeans": "Europe",
    "african": "Africa",
    "asian": "Asia",
}
_SUFFIXES = ("ese", "ish", "ian", "ean", "an", "i", "n")
_PLACES = ("GPE", "LOC")


def _country_of(e: dict[str, Any], places: dict[str, dict[str, Any]]) -> str | None:
    """The country a nationality name stands for (None when it is not one)."""
    low = e["text"].lower().strip()
    if low in _NATIONALITY:
        return _NATIONALITY[low]
    for suf in _SUFFIXES:
        stem = low[: -len(suf)] if low.endswith(suf) else ""
        if len(stem) >= 4:
            hits = [p for k, p in places.items() if k.startswith(stem)]
            if len(hits) == 1:
                return hits[0]["text"]
    return None


def _lower_share(word: str, blob: str) -> float:
    """Of the word's uses not at a sentence start, the share written in lower case.
    `blob`: the story's sentences joined by newlines (one scan per word)."""
    pat = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.I)
    low = cap = 0
    for m in pat.finditer(blob):
        before = blob[max(0, m.start() - 3) : m.start()].rstrip(" ")
        if not before or before[-1] in "\n.!?:“\"‘'(":
            continue  # a sentence start proves nothing
        if m.group()[0].islower():
            low += 1
        else:
            cap += 1
    return low / (low + cap) if low + cap else 0.0


def clean_entities(
    entities: list[dict[str, Any]],
    texts: list[str],
    generic: Iterable[str],
    lower_share: float,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """merge_entities' list, demonyms folded, generic tokens out, ordered by salience; only
    the `limit` most salient are kept (a 500-article story names thousands)."""
    drop = {entity_key(g) for g in generic}
    blob = "\n".join(texts)
    places = {entity_key(e["text"]): e for e in entities if e["label"] in _PLACES}
    out: dict[str, dict[str, Any]] = {}
    for e in entities:
        if limit is not None and len(out) >= limit:
            break
        key = entity_key(e["text"])
        if not key or key in drop:
            continue
        if len(e["text"].split()) == 1 and _lower_share(e["text"], blob) >= lower_share:
            continue
        country = _country_of(e, places) if e["label"] == "NORP" else None
        target = entity_key(country) if country else key
        if target in drop:
            continue
        g = out.get(target)
        if g is None:
            base = places.get(target) if country else None
            g = out[target] = {
                **e,
                "text": (base or {}).get("text") or country or e["text"],
                "label": "GPE" if country else e["label"],
                "count": 0,
                "n_articles": 0,
                "forms": [],
            }
        g["count"] += e["count"]
        g["n_articles"] = max(g["n_articles"], e["n_articles"])
        g["forms"] = sorted({*g["forms"], *e.get("forms", [e["text"]])}, key=len, reverse=True)
    result = list(out.values())
    result.sort(key=lambda e: (-e["n_articles"], -e["count"], e["text"]))
    return result
