"""Canonical URLs: one article per canonical URL, whichever feed or redirect led to it.

courlan does the heavy lifting (scheme/host case, default ports, dot segments, tracking
parameters); we add the project's own rules on top so the result is stable and idempotent:
the fragment is always dropped (it never names a different document), query parameters are
sorted, and the root path is always "/". A non-root path keeps its trailing slash as given,
because "/a" and "/a/" may be different resources on a server we do not control.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from courlan import normalize_url, scrub_url
from courlan.clean import TRACKERS_RE

logger = logging.getLogger(__name__)

# Tracking parameters courlan's list misses; matched on the lower-cased parameter name.
_EXTRA_TRACKERS = re.compile(
    r"^(?:_hs(?:enc|mi)|mc_eid|oly_(?:anon|enc)_id|__s|s_cid|cmpid|wt_mc)$"
)

# ccTLDs whose ISO 3166 code differs from the label.
_TLD_TO_ISO = {"uk": "GB", "su": "RU"}
# Two-letter TLDs that are not used as country markers in practice (generic by use).
_GENERIC_CCTLDS = frozenset({"eu", "io", "tv", "me", "co", "ai", "fm", "am", "ly", "gg", "to"})


def _is_tracker(name: str) -> bool:
    low = name.lower()
    return bool(TRACKERS_RE.search(low) or _EXTRA_TRACKERS.match(low))


def canonical_url(url: str) -> str:
    """The URL articles are keyed by; garbage in gives the stripped input back, never raises."""
    raw = (url or "").strip()
    if not raw:
        return ""
    try:
        cleaned = normalize_url(scrub_url(raw), strict=False, trailing_slash=True)
    except (ValueError, AttributeError) as exc:
        logger.debug("cannot normalise %r: %s", raw, exc)
        return raw
    parts = urlsplit(cleaned)
    query = urlencode(
        sorted(
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracker(k)
        ),
        doseq=True,
    )
    # courlan only drops leading "/../"; resolve all dot segments (RFC 3986 5.2.4)
    path = urlsplit(urljoin("http://h/", parts.path)).path if "." in parts.path else parts.path
    path = path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def url_host(url: str) -> str:
    """Lower-cased host without port or credentials; "" when the URL has none."""
    try:
        return (urlsplit((url or "").strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def region_from_host(host: str) -> str | None:
    """ISO country code from a country-code TLD ("bbc.co.uk" -> "GB"); None for generic TLDs."""
    host = (host or "").lower().rstrip(".")
    if "://" in host:
        host = url_host(host)
    label = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(label) != 2 or not label.isalpha() or label in _GENERIC_CCTLDS:
        return None
    return _TLD_TO_ISO.get(label, label.upper())
