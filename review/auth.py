"""Who is asking: the session, login/logout, the access guard every route passes, roles.

The guard runs as an app-wide dependency, so a new route is protected without anyone
remembering to add a decorator: anonymous requests get 401 (pages redirect to /login),
and every write must carry the session's CSRF token (form field or X-CSRF-Token header).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from review.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    CSRF_SESSION_KEY,
    SAFE_METHODS,
    csrf_ok,
    new_csrf_token,
)
from store.users import get_user, verify_user

logger = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/healthz", "/login"})
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
    uid = request.session.get("uid")
    if isinstance(uid, int):
        user = await run_in_threadpool(get_user, request.app.state.engine, uid)
        if user is None:
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
    return request.client.host if request.client else "unknown"


def _safe_next(value: str | None) -> str:
    """Only local paths: an attacker's ?next=//evil.example must not become a redirect."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


@router.get("/healthz", response_class=PlainTextResponse, include_in_schema=False)
def healthz() -> str:
    return "ok"


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
    limiter = request.app.state.limiter
    keys = (f"ip:{_client_ip(request)}", f"user:{username.lower()}")
    wait = limiter.blocked(*keys)
    if wait > 0:
        logger.warning("login rate limit hit for %s from %s", username, keys[0])
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
        limiter.failed(*keys)
        return request.app.state.render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            error="Unknown user or wrong password.",
        )
    request.session.clear()  # a fresh session: no fixation across the login
    request.session["uid"] = user["id"]
    request.session[CSRF_SESSION_KEY] = new_csrf_token()
    logger.info("login %s", username)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
