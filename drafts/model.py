"""The one draft object: a plain JSON-able dict whose shape is pinned by these TypedDicts.

The builder returns it, draft_versions.data stores it, the UI and both renderers read it.
A dict (not a class) so it travels through JSON columns and HTTP untouched.

Shape (keys of `Draft`):
  story_id, slug, version        - identity; version is the draft_versions row shown
  headline: str                  - most central title, outlet suffixes removed
  dek: str                       - one line under the headline
  meta: Meta                     - type, date (first seen, ISO day), heads, n_takes, n_lenses,
                                   n_regions (counted from `takes`)
  summary: [SummaryItem]         - 3-5 extractive sentences, each traced to its article
  numbers: [NumberItem]          - figures; several sources agreeing first; `conflict` marks
                                   figures for the same what/about that sources disagree on
  why, watch: [CueItem]          - suggested sentences (suggestion=True until an editor writes)
  takes: [TakeGroup]             - one group per lens, one item per article
  coverage: Coverage             - configured lenses and regions with no take
  related: [Related]             - nearby stories (slug, title)
  entities: [Entity]             - canonical entities by salience
  edited: {field: EditInfo}      - fields an editor wrote or approved (set by current_draft)
  new_since_last_look: NewSince  - takes and figures new since the user's last look
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

EDITABLE_FIELDS: tuple[str, ...] = ("headline", "dek", "summary", "numbers", "why", "watch")
LIST_FIELDS: tuple[str, ...] = ("summary", "numbers", "why", "watch")


class Meta(TypedDict):
    type: str
    date: str | None
    heads: list[str]
    n_takes: int
    n_lenses: int
    n_regions: int
    languages: NotRequired[list[str]]  # the takes' languages, sorted


class SummaryItem(TypedDict):
    text: str
    article_id: int | None
    source: str | None
    url: str | None
    lang: NotRequired[str]  # set only on a fallback sentence not in the desk's language


class Evidence(TypedDict):
    article_id: int
    source: str
    sentence: str


class NumberItem(TypedDict):
    display: str
    value: float | None
    unit: str | None
    what: str | None
    about: str | None
    text: str | None  # the figure as written in the source sentence
    sources: list[str]
    article_ids: list[int]
    conflict: bool
    evidence: list[Evidence]


class CueItem(TypedDict):
    text: str
    article_id: int | None
    source: str | None
    url: str | None
    suggestion: bool


class Quote(TypedDict):
    text: str
    speaker: str | None


class TakeItem(TypedDict):
    article_id: int
    outlet: str
    region: str
    lang: str
    sentence: str
    quote: Quote | None
    url: str
    lens_provenance: str
    lens_confidence: float | None


class TakeGroup(TypedDict):
    lens: str
    items: list[TakeItem]


class Coverage(TypedDict):
    missing_lenses: list[str]
    missing_regions: list[str]


class Related(TypedDict):
    slug: str
    title: str | None


class Entity(TypedDict):
    text: str
    label: str
    count: int


class EditInfo(TypedDict):
    state: str
    user: int | None
    updated_at: str | None


class NewSince(TypedDict):
    takes: list[int]
    numbers: list[str]


class Draft(TypedDict):
    story_id: int | None
    slug: str | None
    version: int | None
    headline: str
    dek: str
    meta: Meta
    summary: list[SummaryItem]
    numbers: list[NumberItem]
    why: list[CueItem]
    watch: list[CueItem]
    takes: list[TakeGroup]
    coverage: Coverage
    related: list[Related]
    entities: list[Entity]
    edited: dict[str, EditInfo]
    new_since_last_look: NewSince


class Member(TypedDict, total=False):
    """One member article as the builder needs it (story_articles' row is a superset)."""

    id: int
    title: str | None
    text: str | None
    url: str
    outlet: str
    region: str
    lang: str | None
    published_at: object
    lens: dict
