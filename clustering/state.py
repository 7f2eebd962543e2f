"""A story's running summary, and its JSON form stored in `stories.state`.

Only sums and counts are kept, so adding or removing an article is O(dim) and the
centroid is exact: centroid = normalise(sum of member vectors).
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from clustering.words import title_words

STATE_VERSION = 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class ArticleFeatures:
    """What the clusterer needs of one article; ``published`` is an aware UTC datetime."""

    id: int | str
    vector: np.ndarray
    title: str
    entities: frozenset[str]
    published: datetime
    source: str
    words: frozenset[str] = frozenset()
    lang: str = ""  # "" = unknown, read as one of the main model's languages
    xvector: np.ndarray | None = None  # cross-lingual embedding ([clustering] cross_model)

    def __post_init__(self) -> None:
        if not self.words:
            self.words = title_words(self.title)


def encode_array(a: np.ndarray) -> str:
    return base64.b64encode(np.asarray(a, dtype="<f4").tobytes()).decode("ascii")


def decode_array(s: str, dim: int) -> np.ndarray:
    raw = base64.b64decode(s.encode("ascii"))
    arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if arr.size % dim:
        raise ValueError(f"stored vector data of {arr.size} floats is not a multiple of {dim}")
    return arr.reshape(-1, dim)


def _decode_one(s: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s.encode("ascii")), dtype="<f4").astype(np.float32)


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise ValueError("article time must be timezone-aware (UTC)")
    return t.astimezone(UTC)


@dataclass
class StoryState:
    vsum: np.ndarray
    n: int = 0
    entities: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    words: Counter = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None
    recent_ids: list = field(default_factory=list)
    recent_vecs: np.ndarray | None = None
    langs: Counter = field(default_factory=Counter)  # members per language ("" = unknown)
    xsum: np.ndarray | None = None  # sum of members' cross-lingual vectors, when all have one

    @classmethod
    def empty(cls, dim: int) -> StoryState:
        return cls(vsum=np.zeros(dim, dtype=np.float32), recent_vecs=np.zeros((0, dim), np.float32))

    @property
    def xcentroid(self) -> np.ndarray | None:
        if self.xsum is None:
            return None
        norm = float(np.linalg.norm(self.xsum))
        return self.xsum / norm if norm > 0 else self.xsum

    @property
    def centroid(self) -> np.ndarray:
        norm = float(np.linalg.norm(self.vsum))
        return self.vsum / norm if norm > 0 else self.vsum

    def add(self, art: ArticleFeatures, keep_recent: int) -> None:
        v = np.asarray(art.vector, dtype=np.float32)
        self.vsum = self.vsum + v
        if art.xvector is None:  # a member without one: the story has no cross-lingual sum
            self.xsum = None
        elif self.n == 0 or self.xsum is not None:
            x = np.asarray(art.xvector, dtype=np.float32)
            self.xsum = x.copy() if self.xsum is None else self.xsum + x
        self.langs[art.lang] += 1
        self.n += 1
        self.entities.update(art.entities)
        self.sources[art.source] += 1
        self.words.update(art.words)
        t = _utc(art.published)
        self.first = t if self.first is None or t < self.first else self.first
        self.last = t if self.last is None or t > self.last else self.last
        self.recent_ids.append(art.id)
        assert self.recent_vecs is not None
        self.recent_vecs = np.vstack([self.recent_vecs, v[None, :]])[-keep_recent:]
        self.recent_ids = self.recent_ids[-keep_recent:]

    def remove(self, art: ArticleFeatures) -> None:
        """Undo :meth:`add` for a member leaving (editor move); times stay as bounds."""
        self.vsum = self.vsum - np.asarray(art.vector, dtype=np.float32)
        if self.xsum is not None and art.xvector is not None:
            self.xsum = self.xsum - np.asarray(art.xvector, dtype=np.float32)
        self.langs.subtract([art.lang])
        self.langs = +self.langs
        self.n = max(0, self.n - 1)
        self.entities.subtract(art.entities)
        self.sources.subtract([art.source])
        self.words.subtract(art.words)
        self.entities = +self.entities
        self.sources = +self.sources
        self.words = +self.words
        if art.id in self.recent_ids and self.recent_vecs is not None:
            i = self.recent_ids.index(art.id)
            self.recent_ids.pop(i)
            self.recent_vecs = np.delete(self.recent_vecs, i, axis=0)

    def to_json(self) -> dict:
        assert self.recent_vecs is not None
        return {
            "version": STATE_VERSION,
            "dim": int(self.vsum.shape[0]),
            "n": self.n,
            "vsum": encode_array(self.vsum),
            "centroid": encode_array(self.centroid),
            "entities": dict(self.entities),
            "sources": dict(self.sources),
            "words": dict(self.words),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "recent_ids": list(self.recent_ids),
            "recent_vecs": encode_array(self.recent_vecs),
            "langs": dict(self.langs),
            **({"xsum": encode_array(self.xsum)} if self.xsum is not None else {}),
        }

    @classmethod
    def from_json(cls, data: dict) -> StoryState:
        try:
            dim = int(data["dim"])
            vsum = decode_array(data["vsum"], dim)[0]
            recent = decode_array(data.get("recent_vecs", ""), dim)
            return cls(
                vsum=vsum,
                n=int(data["n"]),
                entities=Counter(data.get("entities", {})),
                sources=Counter(data.get("sources", {})),
                words=Counter(data.get("words", {})),
                first=datetime.fromisoformat(data["first"]) if data.get("first") else None,
                last=datetime.fromisoformat(data["last"]) if data.get("last") else None,
                recent_ids=list(data.get("recent_ids", [])),
                recent_vecs=recent,
                langs=Counter(data.get("langs", {})),
                xsum=_decode_one(data["xsum"]) if data.get("xsum") else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"invalid story state: {exc}") from exc


def story_state_from_articles(arts: Sequence[ArticleFeatures], keep_recent: int = 12) -> dict:
    """Rebuild a story's state from its members, e.g. after an editor move/merge/split."""
    if not arts:
        raise ValueError("a story state needs at least one article")
    st = StoryState.empty(int(np.asarray(arts[0].vector).shape[0]))
    for art in sorted(arts, key=lambda a: _utc(a.published)):
        st.add(art, keep_recent)
    return st.to_json()


def merged_state(keep: StoryState, other: StoryState, keep_recent: int) -> StoryState:
    """The state of two stories as one; recent members ordered by each story's last time."""
    first, second = sorted((keep, other), key=lambda s: (s.last is None, s.last or _EPOCH))
    assert first.recent_vecs is not None and second.recent_vecs is not None
    times = [t for t in (keep.first, other.first) if t is not None]
    lasts = [t for t in (keep.last, other.last) if t is not None]
    return StoryState(
        vsum=keep.vsum + other.vsum,
        n=keep.n + other.n,
        entities=keep.entities + other.entities,
        sources=keep.sources + other.sources,
        words=keep.words + other.words,
        first=min(times) if times else None,
        last=max(lasts) if lasts else None,
        recent_ids=(first.recent_ids + second.recent_ids)[-keep_recent:],
        recent_vecs=np.vstack([first.recent_vecs, second.recent_vecs])[-keep_recent:],
        langs=keep.langs + other.langs,
        xsum=keep.xsum + other.xsum if keep.xsum is not None and other.xsum is not None else None,
    )
