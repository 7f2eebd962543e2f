"""Every body in ../shared/corpora/compressed served by a real local server and fetched."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from core.settings.crawler import CrawlerSettings
from tests.fetch.conftest import fetch_all, fetch_one
from tests.fetch.corpus import BOMB_SIZE, BOMBS, GOOD, TRUNCATED, corpus, expected
from tests.localserver import LocalServer


def serve(srv: LocalServer, shared: Path, name: str, encoding: str) -> str:
    body = (corpus(shared) / name).read_bytes()
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": encoding}
    return srv.add(f"/{name}", (200, headers, body))


def test_good_bodies_decode(
    local_server: LocalServer, shared_dir: Path, settings: CrawlerSettings
) -> None:
    urls = {serve(local_server, shared_dir, n, enc): n for n, enc in GOOD.items()}
    results = fetch_all(settings, list(urls))
    for res in results:
        name = urls[res.url]
        assert res.ok, (name, res.error, res.detail)
        assert res.body == expected(shared_dir, name), name
        assert res.wire_bytes == (corpus(shared_dir) / name).stat().st_size


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_truncated_bodies_fail_clearly(
    local_server: LocalServer, shared_dir: Path, settings: CrawlerSettings, name: str
) -> None:
    res = fetch_one(settings, serve(local_server, shared_dir, name, TRUNCATED[name]))
    assert (res.error, res.status, res.body) == ("truncated", 200, b"")
    assert "gzip stream ended before its end marker" in (res.detail or "")


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_cut_at_the_cap_with_bounded_memory(
    local_server: LocalServer, shared_dir: Path, settings: CrawlerSettings, name: str
) -> None:
    cap = 1_000_000
    settings.max_body_bytes = cap
    url = serve(local_server, shared_dir, name, BOMBS[name])
    tracemalloc.start()
    try:
        res = fetch_one(settings, url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.error == "too_large" and res.body == b""
    assert "cap once decoded" in (res.detail or "")
    assert peak < 3 * cap < BOMB_SIZE, f"peak {peak:,} bytes while decoding {name}"


def test_wrong_encoding_label_is_a_decode_error(
    local_server: LocalServer, shared_dir: Path, settings: CrawlerSettings
) -> None:
    res = fetch_one(settings, serve(local_server, shared_dir, "html-br.bin", "gzip"))
    assert res.error == "decode" and res.status == 200
