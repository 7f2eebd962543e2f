"""The pure scheduling functions, with `now` and the random source fixed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from core.settings.crawler import CrawlerSettings
from ingest.schedule import (
    backoff_s,
    cache_lifetime_s,
    next_poll_delay_s,
    publish_interval_s,
    retry_after_s,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
S = CrawlerSettings(poll_min_s=300, poll_max_s=86_400, poll_default_s=1800, poll_jitter=0.1)


def test_cache_lifetime() -> None:
    assert cache_lifetime_s({"Cache-Control": "public, max-age=600"}, NOW) == 600
    expires = "Mon, 02 Mar 2026 13:00:00 GMT"
    assert cache_lifetime_s({"expires": expires}, NOW) == 3600
    both = {"cache-control": "max-age=60", "expires": expires}
    assert cache_lifetime_s(both, NOW) == 60  # max-age wins
    assert cache_lifetime_s({"expires": "garbage"}, NOW) == 0.0
    assert cache_lifetime_s({}, NOW) is None


def test_retry_after() -> None:
    assert retry_after_s({"Retry-After": "120"}, NOW) == 120
    assert retry_after_s({"retry-after": "Mon, 02 Mar 2026 12:05:00 GMT"}, NOW) == 300
    assert retry_after_s({"retry-after": "Mon, 02 Mar 2026 11:00:00 GMT"}, NOW) == 0
    assert retry_after_s({"retry-after": "soon"}, NOW) is None
    assert retry_after_s({}, NOW) is None


def test_publish_interval_clamped() -> None:
    hourly = [NOW - timedelta(hours=i) for i in range(10)]
    assert publish_interval_s(hourly, S) == 3600
    burst = [NOW - timedelta(seconds=i) for i in range(10)]
    assert publish_interval_s(burst, S) == 300  # floor
    yearly = [NOW - timedelta(days=365 * i) for i in range(4)]
    assert publish_interval_s(yearly, S) == 86_400  # ceiling
    assert publish_interval_s([NOW], S) == 1800  # too little history
    one_outlier = [NOW - timedelta(hours=i) for i in range(6)] + [NOW - timedelta(days=90)]
    assert publish_interval_s(one_outlier, S) == 3600  # median, not mean


def test_next_poll_never_sooner_than_the_server_asks() -> None:
    hourly = [NOW - timedelta(hours=i) for i in range(10)]
    rng = random.Random(1)
    d = next_poll_delay_s(hourly, {}, S, NOW, rng=rng)
    assert 3600 <= d <= 3600 * 1.1
    assert next_poll_delay_s(hourly, {"cache-control": "max-age=7200"}, S, NOW, rng=rng) >= 7200
    assert next_poll_delay_s(hourly, {"retry-after": "10000"}, S, NOW, rng=rng) >= 10000
    assert next_poll_delay_s(hourly, {}, S, NOW, ttl_minutes=180, rng=rng) >= 10800
    delays = {next_poll_delay_s(hourly, {}, S, NOW, rng=rng) for _ in range(50)}
    assert len(delays) > 40 and max(delays) <= 3960  # jittered, within bounds


def test_backoff_grows_with_jitter_and_cap() -> None:
    s = CrawlerSettings(backoff_base_s=60, backoff_jitter=0.25, poll_max_s=3600)
    rng = random.Random(7)
    for n, base in [(1, 60), (2, 120), (3, 240), (4, 480)]:
        for _ in range(20):
            assert base * 0.75 <= backoff_s(n, s, rng) <= base * 1.25
    assert backoff_s(50, s, rng) == 3600
    assert backoff_s(10_000, s, rng) == 3600  # no overflow
