"""Takes as the lens model reads them: text, sentence embedding, outlet and story.

The clustering stage already embeds every article (title + lead) into the `embeddings` table;
the lens model reuses those vectors when their text hash still matches, so training and
prediction embed only what clustering has not. Both paths give the same vector for the same
article, which keeps training and prediction features consistent. The story a take belongs to
groups the evaluation folds (a model is judged on stories it has not seen) and the outlet
feeds the outlet prior.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine, and_, func, select

from clustering.embed import bytes_to_vector, embed_input, get_embedder
from core.config import Config
from core.settings.lenses import UNLABELLED
from models.features import unit_rows
from store.articles import text_hash
from store.schema import articles, embeddings, labels, sources, story_members
from store.takes import latest_labels, outlet_name

TAKE_LEAD_CHARS = 400
_CHUNK = 2000  # ids per IN (...) query: well under SQLite's bound-parameter limit


def take_text(title: str | None, text: str | None, chars: int = TAKE_LEAD_CHARS) -> str:
    """What the lens model reads for a take: its title and the first `chars` of its text."""
    return f"{title or ''}\n{(text or '')[:chars]}".strip()


@dataclass(frozen=True)
class Takes:
    """Row-aligned article ids, texts, L2-normalised embeddings, outlets and story ids.

    A take in no story gets the group "article:<id>" (it is its own story)."""

    ids: list[int]
    texts: list[str]
    embeddings: np.ndarray
    outlets: list[str] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)
    contexts: np.ndarray | None = None  # each take's story centroid over all stored members

    def groups(self, ids: Iterable[int]) -> dict[int, str]:
        """Article id -> story group of `ids` (each must be present)."""
        where = {a: i for i, a in enumerate(self.ids)}
        return {a: self.stories[where[a]] for a in ids}

    def rows(self, ids: Iterable[int]) -> np.ndarray:
        """Row numbers of `ids` (each must be present)."""
        where = {a: i for i, a in enumerate(self.ids)}
        return np.asarray([where[a] for a in ids], dtype=int)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def load_takes(
    engine: Engine,
    config: Config,
    ids: Sequence[int],
    *,
    on_embedded: Callable[[int], None] | None = None,
) -> Takes:
    """Texts and vectors of `ids` (missing articles are left out, order kept otherwise).

    Stored clustering vectors are used when their hash matches the current text; the rest are
    embedded here with the same model and input, in batches (`on_embedded` advances a bar).
    """
    cfg = config.clustering
    chars = config.lenses.text_chars
    found: dict[int, tuple[str, str, np.ndarray | None]] = {}
    extra: dict[int, tuple[str, str]] = {}  # outlet, story group
    with engine.connect() as conn:
        for chunk in _chunks(list(ids)):
            q = (
                select(
                    articles.c.id,
                    articles.c.title,
                    articles.c.text,
                    embeddings.c.text_hash,
                    embeddings.c.vector,
                    embeddings.c.dim,
                    outlet_name(),
                    story_members.c.story_id,
                )
                .select_from(
                    articles.outerjoin(
                        embeddings,
                        and_(
                            embeddings.c.article_id == articles.c.id,
                            embeddings.c.model == cfg.model,
                        ),
                    )
                    .outerjoin(sources, sources.c.id == articles.c.source_id)
                    .outerjoin(story_members, story_members.c.article_id == articles.c.id)
                )
                .where(articles.c.id.in_(chunk))
            )
            for aid, title, text, digest, blob, dim, outlet, story in conn.execute(q):
                inp = embed_input(title, text, cfg.lead_chars)
                vec = None
                if blob is not None and digest == text_hash(cfg.model, inp):
                    vec = bytes_to_vector(blob, dim)
                found[aid] = (take_text(title, text, chars), inp, vec)
                group = f"story:{story}" if story is not None else f"article:{aid}"
                extra[aid] = (outlet or "", group)
    order = [a for a in ids if a in found]
    todo = [a for a in order if found[a][2] is None]
    computed: dict[int, np.ndarray] = {}
    if todo:
        embedder = get_embedder(cfg)
        step = max(cfg.batch_size * 4, 1)
        for start in range(0, len(todo), step):
            part = todo[start : start + step]
            vecs = embedder.encode([found[a][1] for a in part])
            computed.update(zip(part, vecs, strict=True))
            if on_embedded:
                on_embedded(len(part))
    dim = next((len(v[2]) for v in found.values() if v[2] is not None), None)
    if dim is None:
        dim = len(next(iter(computed.values()))) if computed else 0
    mat = np.zeros((len(order), dim), dtype=np.float32)
    for i, a in enumerate(order):
        v = found[a][2]
        mat[i] = v if v is not None else computed[a]
    groups = [extra[a][1] for a in order]
    return Takes(
        ids=order,
        texts=[found[a][0] for a in order],
        embeddings=mat,
        outlets=[extra[a][0] for a in order],
        stories=groups,
        contexts=_story_contexts(engine, cfg.model, groups, mat),
    )


def _story_contexts(engine: Engine, model: str, groups: list[str], mat: np.ndarray) -> np.ndarray:
    """Unit-norm mean of the stored vectors of every member of each take's story (labelled or
    not: no label is read); a take in no story, or whose story has no stored vector, is its
    own context."""
    sids = sorted({int(g.split(":", 1)[1]) for g in groups if g.startswith("story:")})
    sums: dict[str, np.ndarray] = {}
    with engine.connect() as conn:
        for chunk in _chunks(sids):
            q = (
                select(story_members.c.story_id, embeddings.c.vector, embeddings.c.dim)
                .select_from(
                    story_members.join(
                        embeddings,
                        and_(
                            embeddings.c.article_id == story_members.c.article_id,
                            embeddings.c.model == model,
                        ),
                    )
                )
                .where(story_members.c.story_id.in_(chunk))
            )
            for sid, blob, dim in conn.execute(q):
                key = f"story:{sid}"
                sums[key] = sums.get(key, 0) + bytes_to_vector(blob, dim)
    out = np.array(mat, dtype=np.float32, copy=True)
    for i, g in enumerate(groups):
        s = sums.get(g)
        if s is not None and np.shape(s) == out[i].shape:
            out[i] = s
    return unit_rows(out)


def editor_labels(engine: Engine, taxonomy: Sequence[str] | None = None) -> dict[int, str]:
    """The last lens an editor gave each take (optionally only lenses of `taxonomy`)."""
    with engine.connect() as conn:
        latest = {a: v for a, v in latest_labels(conn).items() if v != UNLABELLED}
    if taxonomy is not None:
        allowed = set(taxonomy)
        latest = {a: v for a, v in latest.items() if v in allowed}
    return dict(sorted(latest.items()))


def last_label_id(engine: Engine) -> int:
    """Id of the newest lens label: a cheap watermark for "labels since the last training"."""
    with engine.connect() as conn:
        q = select(labels.c.id).where(labels.c.kind == "lens").order_by(labels.c.id.desc())
        return int(conn.execute(q.limit(1)).scalar() or 0)


def labels_since(engine: Engine, label_id: int) -> int:
    """Lens labels newer than `label_id`."""
    with engine.connect() as conn:
        q = select(func.count()).where(labels.c.kind == "lens", labels.c.id > label_id)
        return int(conn.execute(q).scalar() or 0)
