"""Entity names in one canonical form, merged within an article and across a story.

Rules (each has a unit test):
- canonical_entity: collapse whitespace; strip surrounding quotes/brackets/punctuation and
  unbalanced brackets, a leading article ("the", lower-case "a"/"an"), possessives ("'s",
  "’s", trailing "'" after s) and, for people, leading titles ("Mr.", "President", "CEO"
  ...). Display case is kept.
- entity_key: the canonical form case-folded, accents and dots/hyphens removed, so
  "U.S." == "US" and "Société Générale" == "Societe Generale".
- Merging (merge_groups): same key → same entity. Then a shorter name joins a longer one when
  exactly one longer name fits (so "Smith" with two Smiths stays apart) and (a) its key tokens
  are the longer's first tokens followed only by corporate suffixes ("Meta" → "Meta
  Platforms", not "Apple TV" → "Apple TV Channels") or, for PERSON, its last tokens
  ("Biden" → "Joe Biden"), the labels agreeing; or (b) it is a lone surname of a PERSON
  whatever the NER called it ("Prakash" ORG → "Aseem Prakash"), places apart; or (c) it is an
  all-capitals acronym of the longer's capitalised words ("EU" → "European Union"), any label.
  The merged entity takes the longest name, the commonest label, summed counts.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

_TITLES = [
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "president",
    "vice-president",
    "vp",
    "ceo",
    "cfo",
    "cto",
    "coo",
    "chairman",
    "chairwoman",
    "chair",
    "chancellor",
    "minister",
    "secretary",
    "senator",
    "sen",
    "rep",
    "representative",
    "congressman",
    "congresswoman",
    "gov",
    "governor",
    "mayor",
    "judge",
    "justice",
    "gen",
    "general",
    "col",
    "colonel",
    "capt",
    "captain",
    "lt",
    "lieutenant",
    "sgt",
    "sergeant",
    "adm",
    "admiral",
    "pope",
    "king",
    "queen",
    "prince",
    "princess",
    "rev",
    "reverend",
    "father",
    "sister",
    "brother",
    "saint",
    "st",
    "premier",
    "ambassador",
    "commissioner",
    "founder",
    "co-founder",
    "cofounder",
    "director",
    "chief",
    "executive",
    "officer",
    "prime",
    "deputy",
    "former",
    "late",
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "prof.",
    "sen.",
    "rep.",
    "gov.",
    "gen.",
    "col.",
    "capt.",
    "lt.",
    "sgt.",
    "adm.",
    "rev.",
    "st.",
]
_TITLE_SET = set(_TITLES)
_EDGE_PUNCT = "\"'“”‘’«»„‚()[]{}<>,;:!?*_|/\\-–—•·"
_KEEP_DOT = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|Bros|Jr)\.)$")
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$", re.IGNORECASE)
_LEADING_THE = re.compile(r"^(?:the|The|THE|a|an)\s+")
_ACRONYM_SKIP = {"of", "and", "the", "for", "&", "de", "du", "la", "le", "des", "on", "in"}
_GENERIC_SHORT = {"the", "new", "group", "company", "bank", "university", "united", "national"}
_KEY_DROP = re.compile(r"[.\-'’`´]")
_KEY_SPACE = re.compile(r"[^\w&+]+")


_UNBALANCED_TAIL = re.compile(r"\s*[(\[][^)\]]*$")
_UNBALANCED_HEAD = re.compile(r"^[^(\[]*[)\]]\s*")
_EDGE_AMP = re.compile(r"^(?:&\s*)+|(?:\s*&)+$")


def _strip_edges(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = _UNBALANCED_TAIL.sub("", text) if text.count("(") > text.count(")") else text
        text = _UNBALANCED_HEAD.sub("", text) if text.count(")") > text.count("(") else text
        text = _EDGE_AMP.sub("", text)
        text = text.strip().strip(_EDGE_PUNCT).strip()
        text = text.lstrip(".")
        if text.endswith(".") and not _KEEP_DOT.search(text):
            text = text.rstrip(".")
        text = _POSSESSIVE.sub("", text)
    return text


def canonical_entity(text: str, label: str | None = None) -> str:
    """The display form of a name: folded noise removed, case kept ("Moonshot AI's" → ...)."""
    text = " ".join(text.split())
    text = _strip_edges(text)
    text = _LEADING_THE.sub("", text)
    if label in (None, "PERSON"):
        words = text.split(" ")
        while len(words) > 1 and words[0].lower().strip(",") in _TITLE_SET:
            words = words[1:]
        text = " ".join(words)
    return _strip_edges(text)


def entity_key(text: str) -> str:
    """The matching key: canonical form, case-folded, without accents, dots or hyphens."""
    text = canonical_entity(text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _KEY_DROP.sub("", text.casefold())
    return " ".join(_KEY_SPACE.sub(" ", text).split())


def _initials(long: str) -> str:
    """ "European Union" → "EU"; "" for a one-word name (no acronym of one word)."""
    words = [w for w in re.split(r"[\s\-]+", long) if w and w.lower() not in _ACRONYM_SKIP]
    return "".join(w[0] for w in words if w[0].isupper()) if len(words) >= 2 else ""


def _is_acronym_of(short: str, long: str) -> bool:
    if not (2 <= len(short) <= 6 and short.isupper() and short.isalpha()):
        return False
    return _initials(long) == short


_PLACE_LABELS = {"GPE", "LOC", "NORP", "FAC"}


def _surname_of(short: list[str], long: list[str], short_label: str, long_label: str) -> bool:
    """A lone surname joins a person's full name whatever label the NER gave the surname
    ("Prakash" tagged ORG → "Aseem Prakash"), unless it is a place ("Jordan")."""
    return (
        long_label == "PERSON"
        and short_label not in _PLACE_LABELS
        and len(short) == 1
        and len(long) > 1
        and long[-1] == short[0]
    )


# What may follow a name and still be the same company: "Meta" = "Meta Platforms", but
# "Apple TV" != "Apple TV Channels" and "iPhone" != "iPhone 15".
_CORPORATE_SUFFIXES = frozenset(
    [
        "platforms",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "companies",
        "group",
        "holdings",
        "holding",
        "ltd",
        "limited",
        "plc",
        "llc",
        "lp",
        "ag",
        "se",
        "sa",
        "nv",
        "gmbh",
        "technologies",
        "technology",
        "systems",
        "labs",
        "ai",
        "international",
        "motors",
    ]
)


def _prefix_or_suffix(short: list[str], long: list[str], label: str) -> bool:
    """PERSON: the short name is the long one's last names ("Biden" → "Joe Biden"); others:
    its first words, followed only by corporate suffixes ("SoftBank" → "SoftBank Group Corp")."""
    if len(short) >= len(long):
        return False
    if label == "PERSON":
        return long[-len(short) :] == short
    rest = long[len(short) :]
    return long[: len(short)] == short and all(w in _CORPORATE_SUFFIXES for w in rest)


def merge_groups(items: Sequence[dict]) -> list[list[int]]:
    """Group entity dicts (text, label) by the rules in the module docstring; returns indices."""
    by_key: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_key.setdefault(entity_key(item["text"]), []).append(i)
    keys = list(by_key)
    labels = {k: Counter(items[i]["label"] for i in by_key[k]).most_common(1)[0][0] for k in keys}
    texts = {k: canonical_entity(items[by_key[k][0]]["text"]) for k in keys}
    # Only names sharing a first or last word, or whose initials spell the short one, can
    # fit: index them so an article with hundreds of names is not compared pairwise.
    near: dict[tuple[str, str], list[str]] = {}
    for k in keys:
        words = k.split()
        near.setdefault(("first", words[0]), []).append(k)
        near.setdefault(("last", words[-1]), []).append(k)
        near.setdefault(("initials", _initials(texts[k])), []).append(k)
    parent: dict[str, str] = {}
    for short in sorted(keys, key=lambda k: len(k.split())):
        toks = short.split()
        if short in _GENERIC_SHORT or len(short) < 2:
            continue
        candidates = dict.fromkeys(
            near.get(("first", toks[0]), [])
            + near.get(("last", toks[-1]), [])
            + near.get(("initials", texts[short]), [])
        )
        fits = [
            k
            for k in candidates
            if k != short
            and k not in parent
            and (
                (
                    labels[k] == labels[short]
                    and len(short) >= 3
                    and _prefix_or_suffix(toks, k.split(), labels[k])
                )
                or (len(short) >= 3 and _surname_of(toks, k.split(), labels[short], labels[k]))
                or _is_acronym_of(texts[short], texts[k])
            )
        ]
        if len(fits) == 1:
            parent[short] = fits[0]

    def root(k: str) -> str:
        while k in parent:
            k = parent[k]
        return k

    groups: dict[str, list[int]] = {}
    for k in keys:
        groups.setdefault(root(k), []).extend(by_key[k])
    return [sorted(g) for g in groups.values()]


def _best_name(names: Counter[str]) -> str:
    """The longest name (most informative), ties broken by frequency."""
    return max(names, key=lambda n: (len(n.split()), names[n], -len(n)))


def _label_of(best: str, members: Sequence[dict]) -> str:
    """The label the full name got ("Aseem Prakash" PERSON), not the commonest one: the NER
    mislabels bare surnames ("Prakash" ORG) more often than full names."""
    own = Counter(m["label"] for m in members if m["text"] == best)
    return (own or Counter(m["label"] for m in members)).most_common(1)[0][0]


def entities_from_mentions(mentions: Sequence[dict], labels: Sequence[str]) -> list[dict]:
    """One article's NER mentions ({text, label, start}) → canonical entities by first mention."""
    keep = set(labels)
    items = [
        {**m, "raw": m["text"], "text": canonical_entity(m["text"], m["label"])}
        for m in mentions
        if m["label"] in keep
    ]
    items = [it for it in items if entity_key(it["text"])]
    out = []
    for group in merge_groups(items):
        members = [items[i] for i in group]
        names = Counter(m["text"] for m in members)
        surface: list[str] = []
        for m in sorted(members, key=lambda m: m["start"]):
            if m["raw"] not in surface:
                surface.append(m["raw"])
        best = _best_name(names)
        out.append(
            {
                "text": best,
                "label": _label_of(best, members),
                "count": len(members),
                "first": min(m["start"] for m in members),
                "mentions": surface,
            }
        )
    return sorted(out, key=lambda e: e["first"])


def name_resolver(entities: Sequence[dict]) -> Callable[[str], str]:
    """resolve_name over one article's entities, with their keys computed once."""
    by_key: dict[str, set[int]] = {}
    people: list[tuple[int, list[str]]] = []
    for i, e in enumerate(entities):
        for name in [e["text"], *e.get("mentions", [])]:
            by_key.setdefault(entity_key(name), set()).add(i)
        if e.get("label") == "PERSON":
            people.append((i, entity_key(e["text"]).split()))

    def resolve(name: str) -> str:
        key = entity_key(name)
        if not key:
            return name
        hits = by_key.get(key) or {
            i for i, toks in people if _surname_of(key.split(), toks, "", "PERSON")
        }
        return entities[next(iter(hits))]["text"] if len(hits) == 1 else name

    return resolve


def resolve_name(name: str, entities: Sequence[dict]) -> str:
    """The article's canonical name for a surface form ("Prakash" → "Aseem Prakash"), or the
    name itself when no entity (or more than one) claims it."""
    return name_resolver(entities)(name)


def merge_entities(per_article: Sequence[Sequence[dict]]) -> list[dict]:
    """Entities of several articles of one story → one list ordered by salience.

    Salience: the number of articles naming the entity, then total mentions, then how early
    it first appears (mean position of first mention is not comparable across articles, so the
    earliest wins ties). Each result: text, label, count, n_articles, mentions (aliases in
    order of appearance) and forms (the same, longest first, for matching in sentences).
    """
    items = [
        {**e, "article": a}
        for a, entities in enumerate(per_article)
        for e in entities
        if e.get("text")
    ]
    out = []
    for group in merge_groups(items):
        members = [items[i] for i in group]
        names: Counter[str] = Counter()
        labels: Counter[str] = Counter()
        for m in members:
            names[canonical_entity(m["text"], m.get("label"))] += m.get("count", 1)
            labels[m.get("label")] += m.get("count", 1)
        aliases: list[str] = []
        for m in members:
            for alias in [m["text"], *m.get("mentions", [])]:
                if alias not in aliases:
                    aliases.append(alias)
        out.append(
            {
                "text": _best_name(names),
                "label": labels.most_common(1)[0][0],
                "count": sum(m.get("count", 1) for m in members),
                "n_articles": len({m["article"] for m in members}),
                "first": min(m.get("first", 0) for m in members),
                "mentions": aliases,
                "forms": sorted(aliases, key=len, reverse=True),
            }
        )
    return sorted(out, key=lambda e: (-e["n_articles"], -e["count"], e["first"], e["text"]))
