"""Model versions in the store: record, activate (promotion and rollback), load the active one.

Exactly one row of `model_versions` is active. Artifacts are loaded only through
`load_version`, which checks the file's SHA-256 against the row before unpickling and caches
the loaded model per (path, hash) so the daemon and the UI do not reload it per request.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine, insert, select, update

from core.errors import NotFound
from models.artifacts import ArtifactInfo, load_artifact
from models.classifier import LensModel
from models.errors import ArtifactError
from store.db import utcnow
from store.queries import audit
from store.schema import model_versions
from store.takes import active_model

logger = logging.getLogger(__name__)

_cache: dict[tuple[str, str], LensModel] = {}
_cache_lock = threading.Lock()


def get_version(engine: Engine, version: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(model_versions).where(model_versions.c.version == version))
        found = row.first()
    return dict(found._mapping) if found else None


def latest_row(engine: Engine) -> dict[str, Any] | None:
    """The most recently trained version, promoted or not."""
    with engine.connect() as conn:
        row = conn.execute(select(model_versions).order_by(model_versions.c.id.desc())).first()
    return dict(row._mapping) if row else None


def load_version(row: dict[str, Any], taxonomy: list[str] | None = None) -> LensModel:
    """The model of a version row, hash-checked; raises ArtifactError for a bad file."""
    key = (str(row["path"]), str(row["sha256"]))
    with _cache_lock:
        model = _cache.get(key)
    if model is None:
        model = load_artifact(row["path"], row["sha256"], expected_lenses=taxonomy)
        with _cache_lock:
            if len(_cache) > 8:  # a few versions at most; rollback flips between two
                _cache.clear()
            _cache[key] = model
    elif taxonomy is not None and not set(model.lenses) <= set(taxonomy):
        raise ArtifactError(
            f"{row['path']} predicts lenses {model.lenses} but the taxonomy is {taxonomy}: "
            "retrain on the current taxonomy"
        )
    return model


def record_version(
    engine: Engine, info: ArtifactInfo, *, promote: bool, note: str
) -> dict[str, Any]:
    """Insert a trained version; when `promote`, it becomes the only active one."""
    with engine.begin() as conn:
        if promote:
            conn.execute(update(model_versions).values(active=False))
        conn.execute(
            insert(model_versions).values(
                version=info.version,
                path=str(info.path),
                sha256=info.sha256,
                metrics=info.metrics,
                n_labels=info.n_labels,
                label_snapshot=info.label_snapshot,
                active=promote,
                note=note,
                created_at=utcnow(),
            )
        )
    return get_version(engine, info.version) or {}


def set_note(engine: Engine, version: str, note: str) -> None:
    """Record an operator-facing remark on a version (e.g. why its artifact was refused)."""
    with engine.begin() as conn:
        conn.execute(
            update(model_versions).where(model_versions.c.version == version).values(note=note)
        )


def activate(
    engine: Engine,
    version: str,
    *,
    taxonomy: list[str] | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """Make `version` the active model (rollback or roll forward).

    The artifact is loaded and hash-checked first: a corrupt file is never activated. Takes
    predicted by another version are re-predicted by the next `predict_missing`.
    """
    row = get_version(engine, version)
    if row is None:
        with engine.connect() as conn:
            known = [r[0] for r in conn.execute(select(model_versions.c.version))]
        raise NotFound(
            f"no model version {version!r}; known: {', '.join(known) or 'none (run retrain)'}"
        )
    load_version(row, taxonomy)  # raises ArtifactError: refuse before switching
    with engine.begin() as conn:
        previous = (active_model(conn) or {}).get("version")
        conn.execute(update(model_versions).values(active=False))
        conn.execute(
            update(model_versions).where(model_versions.c.version == version).values(active=True)
        )
        audit(
            conn,
            user_id,
            "model.activate",
            "model",
            row["id"],
            {"version": version, "previous": previous},
        )
    logger.info("activated lens model %s (was %s)", version, previous)
    return get_version(engine, version) or {}
