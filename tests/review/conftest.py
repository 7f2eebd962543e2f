"""Review UI fixtures: a seeded store, the app, logged-in clients, a real uvicorn server."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from core.config import Config
from review.app import create_app
from store.db import make_engine, migrate
from tests.review.data import ADMIN, EDITOR, seed_users

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def make_config(**review: object) -> Config:
    return Config.model_validate({"review": {"secret_key": "test-secret", **review}})


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    seed_users(sqlite_engine)
    return sqlite_engine


@pytest.fixture
def app(store: Engine) -> FastAPI:
    return create_app(make_config(login_attempts_per_minute=3), store)


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "page carries no CSRF token"
    return m.group(1)


def login(client: TestClient, who: tuple[str, str]) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"username": who[0], "password": who[1], "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def editor(app: FastAPI) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c, login(c, EDITOR)


@pytest.fixture
def admin(app: FastAPI) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c, login(c, ADMIN)


class LiveServer:
    """The app under a real uvicorn on 127.0.0.1, in a thread, on a free port."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(app) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; skipped without it unless CI=1."""
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} is missing: apt-get install -y chromium to run browser tests"
        if os.environ.get("CI") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="module")
def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One SQLite store per test module, with the two accounts, for a module-wide server."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('review') / 'storyloom.db'}")
    migrate(engine)
    seed_users(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def module_server(module_store: Engine) -> Iterator[LiveServer]:
    with LiveServer(create_app(make_config(), module_store)) as srv:
        yield srv


def browser_login(page, base_url: str, who: tuple[str, str]) -> None:  # noqa: ANN001
    """Log in through the form as a person would, landing on the queue."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("button.primary")
    page.wait_for_url(f"{base_url}/")
