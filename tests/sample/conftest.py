"""One sample server per test session: it renders ~50 routes at start, cheap but not free."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ingest.sample_server import SampleServer, load_corpus


@pytest.fixture(scope="session")
def corpus() -> dict:
    return load_corpus()


@pytest.fixture(scope="session")
def sample_server(corpus: dict) -> Iterator[SampleServer]:
    with SampleServer(corpus=corpus) as server:
        yield server


@pytest.fixture(scope="session")
def client(sample_server: SampleServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sample_server.base_url, timeout=5.0) as c:
        yield c
