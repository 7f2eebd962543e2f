"""Engines and migrations: SQLite (WAL, busy timeout) by default, PostgreSQL for scale."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from core.errors import NotReady

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(t: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def insert_on_conflict(conn: Connection, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT (DO NOTHING / DO UPDATE) on either backend."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def make_engine(url: str, busy_timeout_ms: int = 30_000) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connect."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            u, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN
        # instead so two writers queue on the busy timeout rather than fail on upgrade.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):  # noqa: ANN001
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return create_engine(u, pool_pre_ping=True, pool_size=10, max_overflow=20)


def alembic_config(engine: Engine | None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (`storyloom init`; tests and fixtures call it too).

    On PostgreSQL an advisory lock makes two `init` at once migrate one after the other.
    """
    from store.locks import writer_lock

    with writer_lock(engine, "migrate", wait=True):
        command.upgrade(alembic_config(engine), revision)


class SchemaBehind(NotReady):
    """The store's schema is older (or other) than this storyloom's: run `storyloom init`."""

    code = "SL102"


def schema_heads() -> set[str]:
    """The revisions this code's migrations end at."""
    return set(ScriptDirectory.from_config(alembic_config(None)).get_heads())


def store_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def check_schema(engine: Engine) -> None:
    """Refuse a store whose schema is not at this code's head, saying what to run.

    Only `storyloom init` migrates: N workers starting at once must not race to alter tables.
    """
    have, want = store_revisions(engine), schema_heads()
    if have != want:
        where = engine.url.render_as_string(hide_password=True)
        raise SchemaBehind(
            f"the store at {where} is at schema revision {', '.join(sorted(have)) or 'none'}, "
            f"this storyloom needs {', '.join(sorted(want))}: run `storyloom init` once "
            "(it migrates), then start the other commands"
        )


def open_store(url: str, busy_timeout_ms: int = 30_000) -> Engine:
    """An engine on a migrated store: `storyloom init`, temporary stores, tests."""
    engine = make_engine(url, busy_timeout_ms)
    migrate(engine)
    return engine


def connect_store(url: str, busy_timeout_ms: int = 30_000) -> Engine:
    """An engine on an existing store whose schema is current (every command but init)."""
    engine = make_engine(url, busy_timeout_ms)
    check_schema(engine)
    return engine
