"""Editor accounts: argon2 password hashes, roles editor and admin.

Verification always hashes (even for unknown users) so response time does not reveal
which usernames exist.
"""

from __future__ import annotations

import logging
import secrets
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import InvalidInput
from store.db import utcnow
from store.schema import users

logger = logging.getLogger(__name__)

ROLES = ("editor", "admin")
MIN_PASSWORD_LEN = 8
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A real hash to verify against for unknown users; made on the first login, not at
    import (every `storyloom --help` paid ~50 ms of argon2 for it)."""
    return _hasher.hash("storyloom-dummy-password")


class UserError(InvalidInput):
    """A user operation that cannot be done; the message says why."""


def _check(username: str, password: str | None, role: str | None) -> None:
    if not username or len(username) > 100 or not username.isprintable() or " " in username:
        raise UserError(f"username {username!r} must be 1-100 printable characters, no spaces")
    if password is not None and len(password) < MIN_PASSWORD_LEN:
        raise UserError(f"password must be at least {MIN_PASSWORD_LEN} characters")
    if role is not None and role not in ROLES:
        raise UserError(f"role {role!r} must be one of {', '.join(ROLES)}")


def add_user(engine: Engine, username: str, password: str, role: str = "editor") -> int:
    """Create an account; the password is stored only as an argon2 hash."""
    _check(username, password, role)
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise UserError(f"user {username!r} already exists")
        res = conn.execute(
            insert(users).values(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                active=True,
                created_at=utcnow(),
            )
        )
        return int(res.inserted_primary_key[0])


def remove_user(engine: Engine, username: str) -> None:
    """Delete an account; one that audit rows or labels point at is deactivated instead."""
    with engine.begin() as conn:
        row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        if row is None:
            raise UserError(f"no user {username!r}")
    try:
        with engine.begin() as conn:
            conn.execute(delete(users).where(users.c.id == row.id))
    except IntegrityError:  # history (audit, labels) points at it: disable the login
        logger.info("user %s is referenced by history; deactivating instead", username)
        with engine.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(active=False, password_hash=_hasher.hash(secrets.token_hex(16)))
            )


def set_password(engine: Engine, username: str, password: str) -> None:
    _check(username, password, None)
    with engine.begin() as conn:
        res = conn.execute(
            update(users)
            .where(users.c.username == username)
            .values(password_hash=_hasher.hash(password), active=True)
        )
        if res.rowcount == 0:
            raise UserError(f"no user {username!r}")


def verify_user(engine: Engine, username: str, password: str) -> dict[str, Any] | None:
    """The user's row (id, username, role) when the password matches an active account."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    stored = row.password_hash if row is not None and row.active else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    return {"id": row.id, "username": row.username, "role": row.role}


def get_user(engine: Engine, user_id: int) -> dict[str, Any] | None:
    """An active user by id, as the session refers to it; None once removed or deactivated."""
    with engine.connect() as conn:
        row = conn.execute(
            select(users.c.id, users.c.username, users.c.role).where(
                users.c.id == user_id, users.c.active.is_(True)
            )
        ).first()
    return dict(row._mapping) if row else None


def list_users(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.active).order_by(
                users.c.username
            )
        )
        return [dict(r._mapping) for r in rows]
