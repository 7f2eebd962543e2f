"""Sessions live in the store: logout, a password change and `user remove` end them.
The login limit is per (user, client address), the address read through trusted proxies.

Before, the session was only a signed cookie: after logout the same cookie still read
/api/stories for 12 h, and 10 failures from anywhere locked the user out everywhere.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from review.app import SESSION_COOKIE, create_app
from review.clientaddr import client_address, parse_networks
from store.users import remove_user, set_password
from tests.review.conftest import LiveServer, csrf_of, login, make_config
from tests.review.data import EDITOR


@pytest.fixture
def client(store):  # noqa: ANN001, ANN201
    app = create_app(make_config(), store)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def _replay(client: TestClient, cookie: str) -> int:
    """GET /api/stories with nothing but an old cookie, as a thief would."""
    other = TestClient(client.app, base_url="http://127.0.0.1")
    other.cookies.set(SESSION_COOKIE, cookie)
    return other.get("/api/stories").status_code


def test_logout_ends_the_session_for_the_old_cookie(client) -> None:  # noqa: ANN001
    token = login(client, EDITOR)
    cookie = client.cookies[SESSION_COOKIE]
    assert _replay(client, cookie) == 200
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert _replay(client, cookie) == 401


def test_password_change_ends_every_session(client, store) -> None:  # noqa: ANN001
    login(client, EDITOR)
    cookie = client.cookies[SESSION_COOKIE]
    assert _replay(client, cookie) == 200
    set_password(store, EDITOR[0], "a-new-password-2")
    assert _replay(client, cookie) == 401
    assert client.get("/api/stories").status_code == 401


def test_user_remove_ends_every_session(client, store) -> None:  # noqa: ANN001
    login(client, EDITOR)
    cookie = client.cookies[SESSION_COOKIE]
    remove_user(store, EDITOR[0])
    assert _replay(client, cookie) == 401


def _try(base: str, forwarded: str | None, password: str) -> int:
    with httpx.Client(base_url=base) as c:
        token = csrf_of(c.get("/login").text)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        data = {"username": EDITOR[0], "password": password, "csrf_token": token}
        return c.post("/login", data=data, headers=headers).status_code


def test_one_address_cannot_lock_out_a_user_elsewhere(store) -> None:  # noqa: ANN001
    cfg = make_config(login_attempts_per_minute=3, trusted_proxies=["127.0.0.1"])
    with LiveServer(create_app(cfg, store)) as srv:
        attacker, editor_desk = "203.0.113.5", "198.51.100.7"
        for _ in range(3):
            assert _try(srv.url, f"{attacker}", "wrong-password") == 401
        assert _try(srv.url, attacker, EDITOR[1]) == 429  # that address is blocked
        assert _try(srv.url, editor_desk, EDITOR[1]) == 303  # the editor is not


def test_forwarded_for_from_an_untrusted_peer_is_ignored(store) -> None:  # noqa: ANN001
    cfg = make_config(login_attempts_per_minute=3)  # no trusted proxies
    with LiveServer(create_app(cfg, store)) as srv:
        for i in range(3):  # a forged header per try cannot dodge the limit
            assert _try(srv.url, f"192.0.2.{i}", "wrong-password") == 401
        assert _try(srv.url, "192.0.2.99", EDITOR[1]) == 429


def test_client_address_reads_from_the_right_through_trusted_hops() -> None:
    proxies = parse_networks(["10.0.0.0/8", "127.0.0.1"])
    assert client_address("127.0.0.1", "1.2.3.4, 10.0.0.7", proxies) == "1.2.3.4"
    assert client_address("127.0.0.1", "6.6.6.6, 1.2.3.4", proxies) == "1.2.3.4"  # spoof left
    assert client_address("8.8.8.8", "1.2.3.4", proxies) == "8.8.8.8"  # untrusted peer
    assert client_address("127.0.0.1", "junk", proxies) == "127.0.0.1"
    with pytest.raises(ValueError, match="not an IP"):
        parse_networks(["proxy.local"])
