"""How a figure reads on the page: `<value>, <subject> <what> (<qualifier>).`

The parts come from nlp/facts.py, which reads them off the figure's own sentence: `about`
is the owner of the measured noun or the subject of its clause (an entity), `what` the noun
the figure measures. A `what` that is only a prepositional phrase ("in debt and equity",
"for January") qualifies the figure rather than naming it, so it goes in parentheses. The
subject is not repeated when the measured noun already names it ("Colorado revenue").
"""

from __future__ import annotations

from typing import Any

from nlp.entities import entity_key

_QUALIFYING_PREPS = ("in ", "for ", "on ", "at ", "by ", "from ", "since ", "over ", "to ")


def figure_parts(fact: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(value as written, subject + measured noun, qualifier)."""
    value = (fact.get("text") or "").strip()
    what = (fact.get("what") or "").strip() or None
    about = (fact.get("about") or "").strip() or None
    qualifier = None
    if what and what.lower().startswith(_QUALIFYING_PREPS):
        qualifier, what = what, None
    if what and what.lower().startswith("of "):
        what = what[3:]
    if what and not what[0].isalpha():
        what = None  # "= 6.9617 yuan": the parse caught an equation, not a measured noun
    if about and what and entity_key(about) in entity_key(what):
        about = None
    name = " ".join(x for x in (about, what) if x) or None
    return value, name, qualifier


def figure_display(fact: dict[str, Any]) -> str:
    value, name, qualifier = figure_parts(fact)
    out = value
    if name:
        out += f", {name}"
    if qualifier:
        out += f" ({qualifier})"
    return out + "."


def _subject_measure(fact: dict[str, Any]) -> tuple[str, str]:
    """(subject key, measure key): the measured noun without its owner's name."""
    about = entity_key(fact.get("about") or "")
    what = fact.get("what") or ""
    if what.lower().startswith(_QUALIFYING_PREPS):
        what = ""
    what = entity_key(what.removeprefix("of ").removeprefix("the "))
    if about and what.startswith(about):
        what = what[len(about) :].strip()
    return about, what


def same_measure(x: dict[str, Any], y: dict[str, Any]) -> bool:
    """Could two figures measure the same thing of the same subject? Never when their
    subjects or their measures differ; a side that leaves one unsaid does not differ, but
    they must share a named subject or measure. Only such figures can conflict."""
    (ax, wx), (ay, wy) = _subject_measure(x), _subject_measure(y)
    if (ax and ay and ax != ay) or (wx and wy and wx != wy):
        return False
    return bool((ax and ax == ay) or (wx and wx == wy))
