"""Who is asking: the session, login/logout, the access guard every route passes, roles.

The guard runs as an app-wide dependency, so a new route is protected without anyone
remembering to add a decorator: anonymous requests get 401 (pages redirect to /login),
and every write must carry the session's CSRF token (form field or X-CSRF-Token header).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from review.clientaddr import client_address
from review.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    CSRF_SESSION_KEY,
    SAFE_METHODS,
    csrf_ok,
    new_csrf_token,
)
from store.sessions import create_session, revoke_session, session_user
from store.users import verify_user

logger = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/login"})
SESSION_KEY = "sid"  # the cookie's token; the session itself lives in the store
router = APIRouter()


class LoginRequired(Exception):
    """Raised for an anonymous page view; the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def ensure_csrf(request: Request) -> str:
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = new_csrf_token()
        request.session[CSRF_SESSION_KEY] = token
    return token


async def guard(request: Request) -> None:
    """App-wide: resolve the user, refuse anonymous access, check CSRF on writes."""
    path = request.url.path
    user = None
    sid = request.session.get(SESSION_KEY)
    if isinstance(sid, str):
        user = await run_in_threadpool(session_user, request.app.state.engine, sid)
        if user is None:  # expired or revoked (logout, password change, user removed)
            request.session.clear()
    request.state.user = user
    if user is None and path not in PUBLIC_PATHS:
        if request.method in SAFE_METHODS and not path.startswith("/api/"):
            query = request.url.query
            raise LoginRequired(path + (f"?{query}" if query else ""))
        raise HTTPException(401, "login required")
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        if not csrf_ok(request.session.get(CSRF_SESSION_KEY), given):
            raise HTTPException(403, "missing or wrong CSRF token")


def current_user(request: Request) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    if user is None:  # only reachable on a public path that asked for a user
        raise HTTPException(401, "login required")
    return user


def require_admin(user: dict[str, Any] = Depends(current_user)) -> dict[str, Any]:
    if user["role"] != "admin":
        raise HTTPException(403, "admins only")
    return user


def _client_ip(request: Request) -> str:
    peer = request.client.host if request.client else None
    proxies = request.app.state.trusted_proxies
    return client_address(peer, request.headers.get("x-forwarded-for"), proxies)


def _safe_next(value: str | None) -> str:
    """Only local paths: an attacker's ?next=//evil.example must not become a redirect."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002
    ensure_csrf(request)
    return request.app.state.render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: str = Form(..., max_length=100),
    password: str = Form(..., max_length=1000),
    next: str = Form("/"),  # noqa: A002
) -> Response:
    limiter, per_address = request.app.state.limiter, request.app.state.address_limiter
    addr = _client_ip(request)
    key = f"{username.lower()}@{addr}"  # one address's failures lock out only that address
    wait = max(limiter.blocked(key), per_address.blocked(addr))
    if wait > 0:
        logger.warning("login rate limit hit for %s from %s", username, addr)
        resp = request.app.state.render(
            request,
            "login.html",
            status_code=429,
            next=_safe_next(next),
            error="Too many failed attempts. Wait a minute and try again.",
        )
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    user = verify_user(request.app.state.engine, username, password)
    if user is None:
        limiter.failed(key)
        per_address.failed(addr)
        return request.app.state.render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            error="Unknown user or wrong password.",
        )
    request.session.clear()  # a fresh session: no fixation across the login
    max_age = request.app.state.config.review.session_max_age_s
    request.session[SESSION_KEY] = create_session(request.app.state.engine, user["id"], max_age)
    request.session[CSRF_SESSION_KEY] = new_csrf_token()
    logger.info("login %s", username)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    sid = request.session.get(SESSION_KEY)
    if isinstance(sid, str):
        revoke_session(request.app.state.engine, sid)  # the old cookie is worthless now
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
