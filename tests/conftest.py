"""Shared fixtures: the ../shared corpora, real SQLite and PostgreSQL stores, a local server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from store.db import make_engine, migrate
from tests.localserver import LocalServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLOOM_SHARED", ROOT.parent / "shared"))
PG_URL = os.environ.get("STORYLOOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout; tests that need it skip with a clear message without."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared not found at {SHARED}: corpus-based tests need it beside the repo")
    return SHARED


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'storyloom.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _pg_reachable() -> str | None:
    try:
        e = create_engine(PG_URL)
        with e.connect() as c:
            c.execute(text("select 1"))
        e.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    why = _pg_reachable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is not reachable in CI: {why}")
        pytest.skip(f"PostgreSQL at {PG_URL} is not reachable: {why}")
    return PG_URL


@contextmanager
def fresh_pg_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped on the way out."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped after the test."""
    with fresh_pg_schema(pg_base_url) as url:
        yield url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Runs a storage test once on SQLite and once on PostgreSQL."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv
