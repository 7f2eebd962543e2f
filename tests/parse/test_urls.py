"""canonical_url, url_host and region_from_host."""

from __future__ import annotations

import pytest

from ingest.urls import canonical_url, region_from_host, url_host


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "https://Example.COM/news/story?utm_source=x&utm_medium=rss&id=7",
            "https://example.com/news/story?id=7",
        ),
        ("https://example.com/a?fbclid=abc", "https://example.com/a"),
        ("https://example.com/a?gclid=1&b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com/section/", "https://example.com/section/"),
        ("https://example.com/a/../b", "https://example.com/b"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://Example.com/Path/To?b=2&a=1&utm_campaign=z#frag",
        "http://www.bbc.co.uk/news/world-123?at_medium=RSS",
        "https://example.com/%7Euser/a b",
        "https://example.com/?q=caf%C3%A9",
    ],
)
def test_canonical_url_is_idempotent(raw: str) -> None:
    once = canonical_url(raw)
    assert canonical_url(once) == once


def test_canonical_url_keeps_path_case_and_non_tracking_params() -> None:
    assert canonical_url("https://EXAMPLE.com/Story?page=2") == "https://example.com/Story?page=2"


def test_canonical_url_garbage_does_not_raise() -> None:
    assert canonical_url("") == ""
    assert isinstance(canonical_url("not a url at all"), str)
    assert isinstance(canonical_url("http://[::1"), str)


def test_url_host() -> None:
    assert url_host("https://User@News.Example.CO.UK:8443/x") == "news.example.co.uk"
    assert url_host("not a url") == ""


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("bbc.co.uk", "GB"),
        ("www.spiegel.de", "DE"),
        ("lemonde.fr", "FR"),
        ("https://www.abc.net.au/news", "AU"),
        ("nytimes.com", None),
        ("example.org", None),
        ("bit.io", None),
        ("localhost", None),
        ("", None),
    ],
)
def test_region_from_host(host: str, region: str | None) -> None:
    assert region_from_host(host) == region
