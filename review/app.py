"""The editors' web application: pages (Jinja2 + htmx) and a JSON API over the same actions.

`create_app` wires settings, the store and the security layers; routes live in
review/pages.py (HTML), review/api.py (JSON) and review/auth.py (login).
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from core.config import Config
from core.errors import StoryloomError, http_status
from models.background import BackgroundRetrain
from review import api, pages
from review.auth import LoginRequired, ensure_csrf, guard
from review.auth import router as auth_router
from review.queue_cache import ClearOnWrite, QueueCache
from review.security import LoginLimiter, SecurityHeadersMiddleware, safe_url

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
SESSION_COOKIE = "storyloom_session"


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its extension
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["dt"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else "—"
    return Jinja2Templates(env=env)


def create_app(config: Config, engine: Engine) -> FastAPI:
    """The ASGI app `storyloom serve` runs; one per process, state kept on app.state."""
    settings = config.review
    app = FastAPI(
        title="storyloom review",
        description="Editors fix clusters, label takes, finish drafts and approve them.",
        dependencies=[Depends(guard)],
        # The built-in docs routes are plain Starlette routes that skip the guard, and
        # Swagger UI needs a CDN and inline script; the schema is served below instead.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    templates = _templates()

    def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.update(
            user=getattr(request.state, "user", None),
            csrf=ensure_csrf(request),
            taxonomy=config.lenses.taxonomy,
        )
        return templates.TemplateResponse(request, name, ctx, status_code=status_code)

    app.state.config = config
    app.state.engine = engine
    app.state.render = render
    app.state.limiter = LoginLimiter(settings.login_attempts_per_minute)
    app.state.queue_cache = QueueCache(settings.queue_cache_s)
    app.state.retrainer = BackgroundRetrain(engine, config)

    secret = settings.secret_key or secrets.token_urlsafe(32)
    if not settings.secret_key:
        logger.info("no [review] secret_key set: sessions end when the server restarts")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(ClearOnWrite, cache=app.state.queue_cache)
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(auth_router)
    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_schema() -> JSONResponse:
        """The API's OpenAPI schema, behind the login like everything else."""
        return JSONResponse(app.openapi())

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def _errors(request: Request, exc: HTTPException) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        if wants_html and not request.url.path.startswith("/api/"):
            return render(request, "error.html", status_code=exc.status_code, error=exc)
        return await http_exception_handler(request, exc)

    @app.exception_handler(StoryloomError)
    async def _storyloom_errors(request: Request, exc: StoryloomError) -> Response:
        """An expected error raised outside `service()`: the same one mapping (core/errors)."""
        return await _errors(request, HTTPException(http_status(exc), str(exc)))

    return app
