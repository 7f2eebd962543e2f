"""/healthz (the process answers) and /readyz (it can do its job), for load balancers.

Ready means: the store answers, its schema is at the migrations' head (a server on an old
schema would fail on the first write), and the models a request may need are there: the
spaCy pipelines and the embedding model are installed, and the active lens model (if any)
loads with a matching hash. The installed-package checks are remembered per process once
they pass; the store and lens model checks run on every call.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from core.config import Config
from store.db import alembic_config

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@router.get("/healthz", response_class=PlainTextResponse)
def healthz() -> str:
    return "ok"


def check_store(engine: Engine) -> dict[str, Any]:
    """Store reachable, and its Alembic revision is the code's head."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        current = set(MigrationContext.configure(conn).get_current_heads())
    ok = current == heads
    detail = "at head" if ok else f"schema at {sorted(current)}, code expects {sorted(heads)}"
    return {"store": "ok", "schema": detail, "schema_ok": ok}


def check_installed_models(config: Config) -> dict[str, str]:
    """spaCy pipelines and the embedding model: 'ok' or why not."""
    from clustering.embed import ModelNotFoundError, resolve_model_path

    out: dict[str, str] = {}
    for lang, name in sorted(config.nlp.models.items()):
        found = importlib.util.find_spec(name) is not None
        out[f"spacy:{lang}"] = "ok" if found else f"package {name!r} is not installed"
    try:
        resolve_model_path(config.clustering.model)
        out["embedding"] = "ok"
    except ModelNotFoundError as exc:
        out["embedding"] = str(exc)
    return out


def check_lens_model(engine: Engine, config: Config) -> str:
    """The active lens model loads (hash-checked; the registry caches it)."""
    from models.errors import ArtifactError
    from models.registry import load_version
    from store.takes import active_model

    row = active_model(engine)
    if row is None:
        return "ok (no model yet: takes use the source's default lens)"
    try:
        load_version(row, config.lenses.taxonomy)
    except ArtifactError as exc:
        return str(exc)
    return f"ok ({row['version']})"


def readiness(app_state: Any) -> tuple[bool, dict[str, Any]]:
    engine, config = app_state.engine, app_state.config
    report: dict[str, Any] = {}
    try:
        report.update(check_store(engine))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", said why
        report.update(store=f"unreachable: {type(exc).__name__}: {exc}", schema_ok=False)
        return False, report
    installed = app_state.models_installed or check_installed_models(config)
    if all(v == "ok" for v in installed.values()):
        app_state.models_installed = installed  # packages do not vanish under a process
    models = {**installed, "lens": check_lens_model(engine, config)}
    report["models"] = models
    models_ok = all(v.startswith("ok") for v in models.values())
    return bool(report["schema_ok"]) and models_ok, report


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    ok, report = await run_in_threadpool(readiness, request.app.state)
    report["ready"] = ok
    if not ok:
        logger.warning("not ready", extra={"report": report})
    return JSONResponse(report, status_code=200 if ok else 503)
