"""When to poll a feed next: pure functions, with `now` and the random source injected.

The interval follows how often the feed publishes (median gap between its entries, clamped
to [poll_min_s, poll_max_s]) and is never shorter than what the server asked for: RSS <ttl>,
Cache-Control max-age, Expires or Retry-After. Errors back off exponentially with jitter so
many failing feeds do not retry in lock-step.
"""

from __future__ import annotations

import random
import re
import statistics
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from core.settings.crawler import CrawlerSettings

_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


def _get(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def http_date(value: str | None) -> datetime | None:
    """An HTTP-date (RFC 9110; also RFC 850 and asctime forms), or None when unparseable."""
    if not value:
        return None
    try:
        return _aware(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError):
        return None


def cache_lifetime_s(headers: Mapping[str, str], now: datetime) -> float | None:
    """Freshness lifetime the server gave: max-age wins over Expires (RFC 9111 4.2.1)."""
    cc = _get(headers, "cache-control") or ""
    ages = {m.group(1).lower(): int(m.group(2)) for m in _MAX_AGE.finditer(cc)}
    if "max-age" in ages:
        return float(ages["max-age"])
    expires = _get(headers, "expires")
    if expires is not None:
        when = http_date(expires)
        if when is None:  # an invalid Expires means "already expired"
            return 0.0
        return max(0.0, (when - _aware(now)).total_seconds())
    return None


def retry_after_s(headers: Mapping[str, str], now: datetime) -> float | None:
    """Retry-After as seconds from `now`: delta-seconds or an HTTP-date; None if absent/bad."""
    value = (_get(headers, "retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    when = http_date(value)
    if when is None:
        return None
    return max(0.0, (when - _aware(now)).total_seconds())


def publish_interval_s(entry_times: Sequence[datetime], settings: CrawlerSettings) -> float:
    """Median gap between a feed's entries, clamped; poll_default_s with too little history.

    The median (not the mean) so one burst or one old entry does not swing the rhythm.
    """
    times = sorted({_aware(t) for t in entry_times})
    if len(times) < settings.poll_min_history:
        return float(settings.poll_default_s)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    interval = statistics.median(gaps)
    return float(min(max(interval, settings.poll_min_s), settings.poll_max_s))


def next_poll_delay_s(
    entry_times: Sequence[datetime],
    headers: Mapping[str, str],
    settings: CrawlerSettings,
    now: datetime,
    *,
    ttl_minutes: int | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds until the next poll: publish rhythm, never sooner than the server allows.

    Jitter only lengthens (by up to poll_jitter), so the server's minimum is still honoured.
    """
    delay = publish_interval_s(entry_times, settings)
    floors = [
        cache_lifetime_s(headers, now),
        retry_after_s(headers, now),
        ttl_minutes * 60.0 if ttl_minutes and ttl_minutes > 0 else None,
    ]
    delay = max([delay] + [f for f in floors if f is not None])
    rng = rng or random.Random()
    return delay * (1.0 + rng.uniform(0.0, settings.poll_jitter))


def backoff_s(consecutive_errors: int, settings: CrawlerSettings, rng: random.Random) -> float:
    """backoff_base_s * 2^(n-1), varied by +-backoff_jitter, never above poll_max_s."""
    n = max(1, consecutive_errors)
    base = settings.backoff_base_s * 2.0 ** min(n - 1, 62)
    jitter = rng.uniform(-settings.backoff_jitter, settings.backoff_jitter)
    return float(min(base * (1.0 + jitter), settings.poll_max_s))
