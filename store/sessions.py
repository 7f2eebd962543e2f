"""Login sessions in the store: a session ends when it expires or when it is revoked.

A signed cookie alone cannot be taken back: after logout (or a stolen laptop, or a password
change) it would still be valid until it expires. So the cookie carries a random token and
the store holds its SHA-256 with the user and the expiry; every request looks it up, and
logout, a password change and `user remove` delete the rows.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from store.db import aware, utcnow
from store.schema import sessions, users


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(engine: Engine, user_id: int, max_age_s: int) -> str:
    """A new session for `user_id`; returns the token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(sessions.delete().where(sessions.c.expires_at < now))  # tidy as we go
        conn.execute(
            insert(sessions).values(
                id=_key(token),
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(seconds=max_age_s),
            )
        )
    return token


def session_user(engine: Engine, token: str) -> dict[str, Any] | None:
    """The active user of a live session, or None (unknown, expired, revoked, deactivated)."""
    q = (
        select(users.c.id, users.c.username, users.c.role, sessions.c.expires_at)
        .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
        .where(sessions.c.id == _key(token), users.c.active.is_(True))
    )
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None or aware(row.expires_at) <= utcnow():
        return None
    return {"id": row.id, "username": row.username, "role": row.role}


def revoke_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.id == _key(token)))


def revoke_user_sessions(conn: Connection, user_id: int) -> int:
    """End every session of a user (password changed, account removed); returns how many."""
    return conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount


__all__ = ["create_session", "revoke_session", "revoke_user_sessions", "session_user"]
