"""`storyloom demo`: the main job end to end, offline, on the embedded defaults.

Serves the bundled sample corpus as feeds on 127.0.0.1, crawls them into the SQLite store,
runs every stage, makes sure an editor account exists, then serves the review UI.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, select

from core.config import Config

logger = logging.getLogger(__name__)

DEMO_USER = "editor"


def sample_port(config: Config) -> int | None:
    """The port the configured sample feeds expect (all sources on 127.0.0.1 share one)."""
    ports = {
        urlsplit(s.url).port
        for s in config.sources
        if urlsplit(s.url).hostname in ("127.0.0.1", "localhost")
    }
    return ports.pop() if len(ports) == 1 else None


def ensure_demo_user(engine: Engine) -> str | None:
    """Create an admin 'editor' account on an empty store; returns its password if created."""
    from store.schema import users
    from store.users import add_user

    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(users)).scalar_one():
            return None
    password = secrets.token_urlsafe(9)
    add_user(engine, DEMO_USER, password, role="admin")
    return password
