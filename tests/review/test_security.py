"""Access control over every route the app has: session, CSRF, roles, login limits, headers."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from review.auth import PUBLIC_PATHS, require_admin
from review.security import CSP, LoginLimiter, safe_url
from tests.review.conftest import csrf_of
from tests.review.data import ADMIN, EDITOR

WRITE = {"POST", "PUT", "PATCH", "DELETE"}
PARAMS = {"field": "summary", "version": "v1", "slug": "nope"}


def _deps(dependant) -> list:  # noqa: ANN001
    out = [dependant.call]
    for d in dependant.dependencies:
        out.extend(_deps(d))
    return out


def routes(app: FastAPI) -> list[tuple[str, str, bool]]:
    """(method, path, admin_only) for every endpoint, included routers flattened."""
    out = []
    for r in app.routes:
        contexts = r.effective_route_contexts() if hasattr(r, "effective_route_contexts") else [r]
        for c in contexts:
            methods = getattr(c, "methods", None) or set()
            dependant = getattr(c, "dependant", None)
            admin = dependant is not None and require_admin in _deps(dependant)
            for m in methods - {"HEAD"}:
                out.append((m, c.path, admin))
    return out


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS.get(m.group(1), "1"), path)


def test_route_enumeration_sees_the_whole_app(app: FastAPI) -> None:
    found = {(m, p) for m, p, _ in routes(app)}
    for expected in [
        ("POST", "/stories/{story_id}/fields/{field}"),
        ("POST", "/articles/{article_id}/lens"),
        ("PUT", "/api/stories/{story_id}/fields/{field}"),
        ("POST", "/sources/{source_id}/pause"),
        ("POST", "/api/models/retrain"),
    ]:
        assert expected in found
    admin = {p for m, p, a in routes(app) if a and m in WRITE}
    assert {"/sources/{source_id}/pause", "/api/models/retrain", "/models/retrain"} <= admin


def test_every_write_needs_a_session(app: FastAPI, anon: TestClient) -> None:
    writes = [(m, p) for m, p, _ in routes(app) if m in WRITE and p not in PUBLIC_PATHS]
    assert len(writes) >= 20
    for method, path in writes:
        r = anon.request(method, concrete(path), follow_redirects=False)
        assert r.status_code == 401, (method, path, r.status_code)


def test_every_page_needs_a_session(app: FastAPI, anon: TestClient) -> None:
    reads = [(m, p) for m, p, _ in routes(app) if m == "GET" and p not in PUBLIC_PATHS]
    for method, path in reads:
        r = anon.request(method, concrete(path), follow_redirects=False)
        assert r.status_code in (401, 303), (path, r.status_code)
        if r.status_code == 303:
            assert r.headers["location"].startswith("/login?next=")
    assert anon.get("/healthz").text == "ok"


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_write_needs_the_csrf_token(
    app: FastAPI, admin: tuple[TestClient, str], token: str | None
) -> None:
    client, _good = admin
    for method, path, _ in routes(app):
        if method not in WRITE:
            continue
        headers = {"X-CSRF-Token": token} if token else {}
        r = client.request(method, concrete(path), headers=headers, follow_redirects=False)
        assert r.status_code == 403, (method, path, r.status_code)
        form = {"csrf_token": token} if token else {"x": "1"}
        r = client.request(method, concrete(path), data=form, follow_redirects=False)
        assert r.status_code == 403, (method, path, r.status_code)


def test_csrf_token_is_per_session(app: FastAPI, admin: tuple[TestClient, str]) -> None:
    _, admin_token = admin
    with TestClient(app, base_url="http://127.0.0.1") as other:
        ed_token = csrf_of(other.get("/login").text)
        other.post(
            "/login", data={"username": EDITOR[0], "password": EDITOR[1], "csrf_token": ed_token}
        )
        r = other.post("/api/stories/1/approve", headers={"X-CSRF-Token": admin_token})
        assert r.status_code == 403


def test_editor_cannot_do_admin_actions(app: FastAPI, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    admin_writes = [(m, p) for m, p, a in routes(app) if a]
    assert admin_writes
    for method, path in admin_writes:
        r = client.request(
            method, concrete(path), headers={"X-CSRF-Token": token}, json={"reason": "x"}
        )
        assert r.status_code == 403, (method, path, r.status_code)
        assert "admins only" in r.text


def test_admin_can_pause_and_resume_a_source(store, admin: tuple[TestClient, str]) -> None:  # noqa: ANN001
    from tests.review.data import add_source

    sid = add_source(store, "Wire One", "GB")
    client, token = admin
    h = {"X-CSRF-Token": token}
    assert client.post(f"/api/sources/{sid}/pause", json={"reason": "spam"}, headers=h).json()
    src = next(s for s in client.get("/api/sources").json() if s["id"] == sid)
    assert src["paused"] is True and src["paused_reason"] == "spam"
    assert client.post(f"/api/sources/{sid}/resume", headers=h).status_code == 200
    assert client.post("/api/sources/9999/resume", headers=h).status_code == 404
    page = client.get("/sources").text
    assert "Wire One" in page and "Pause" in page


def test_login_failures_are_rate_limited(anon: TestClient) -> None:
    token = csrf_of(anon.get("/login").text)
    bad = {"username": EDITOR[0], "password": "wrong-password", "csrf_token": token}
    for _ in range(3):  # the fixture app allows 3 per minute
        assert anon.post("/login", data=bad).status_code == 401
    good = {"username": EDITOR[0], "password": EDITOR[1], "csrf_token": token}
    r = anon.post("/login", data=good, follow_redirects=False)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    # The limit is per (username, address): another user from the same client still gets in
    # (the address-wide limit is separate and higher).
    admin = {"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token}
    assert anon.post("/login", data=admin, follow_redirects=False).status_code == 303


def test_limiter_counts_per_key_and_forgets_after_the_window() -> None:
    lim = LoginLimiter(2, window_s=0.2)
    lim.failed("ip:a", "user:x")
    lim.failed("ip:b", "user:x")
    assert lim.blocked("ip:c", "user:x") > 0  # username blocked from any IP
    assert lim.blocked("ip:a", "user:y") == 0
    import time

    time.sleep(0.25)
    assert lim.blocked("ip:c", "user:x") == 0


def test_login_without_csrf_is_refused_and_next_must_be_local(anon: TestClient) -> None:
    r = anon.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
    assert r.status_code == 403
    token = csrf_of(anon.get("/login").text)
    data = {"username": EDITOR[0], "password": EDITOR[1], "csrf_token": token}
    r = anon.post("/login", data={**data, "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_headers_and_cookie_flags_on_a_real_server(live_server) -> None:  # noqa: ANN001
    with httpx.Client(base_url=live_server.url, follow_redirects=True) as c:
        r = c.get("/login")
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"]
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        for path in ("/static/style.css", "/nope", "/healthz", "/"):
            assert c.get(path).headers["content-security-policy"] == CSP
        token = csrf_of(r.text)
        r = c.post("/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token})
        assert r.status_code == 200 and "Stories" in r.text  # followed the redirect
        assert "httponly" in r.history[0].headers["set-cookie"].lower()
        assert c.get("/api/openapi.json").json()["paths"]["/api/stories"]
    assert httpx.get(f"{live_server.url}/api/openapi.json").status_code == 401


def test_removed_user_loses_the_session(store, editor: tuple[TestClient, str]) -> None:  # noqa: ANN001
    from store.users import remove_user

    client, _ = editor
    assert client.get("/", follow_redirects=False).status_code == 200
    remove_user(store, EDITOR[0])
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://a.example/x", True),
        ("http://a.example", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:x", False),
        ("//evil.example", False),
        ("/relative", False),
        (None, False),
    ],
)
def test_safe_url_keeps_only_http(url: str | None, kept: bool) -> None:
    assert bool(safe_url(url)) is kept
