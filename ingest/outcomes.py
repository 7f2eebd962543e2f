"""Each fetch's outcome counted per source and UTC day in the store, by kind.

Counted in the store, not in the process, so /metrics is right however many crawlers share
it, and the Sources page can draw each source's last days. Kinds are what an operator acts
on differently: a 304 is good news, a 429 means slow down, robots and refused are our own
rules, errors are theirs (or the network's).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ingest.fetch import FetchResult
from store.db import utcnow
from store.schema import fetch_outcomes

NO_SOURCE = 0  # single URLs handed in with add-url
REFUSED = frozenset({"private_address", "bad_scheme", "bad_url", "dns"})
KINDS = (
    "ok",
    "not_modified",
    "rate_limited",
    "robots",
    "refused",
    "http_error",
    "timeout",
    "network_error",
    "content_error",
)
NETWORK = frozenset({"connect", "protocol", "network", "truncated"})


def outcome_kind(res: FetchResult) -> str:
    """One of KINDS for a fetch result."""
    if res.ok:
        return "not_modified" if res.not_modified else "ok"
    if res.status == 429:
        return "rate_limited"
    code = res.error or ""
    if code == "robots" or (res.detail or "").startswith("not fetched: robots.txt"):
        return "robots"
    if code in REFUSED:
        return "refused"
    if code == "http_status":
        return "http_error"
    if code == "timeout":
        return "timeout"
    if code in NETWORK:
        return "network_error"
    return "content_error"  # too large, undecodable, redirect loops and the like


def record_outcome(
    conn: Connection, source_id: int | None, res: FetchResult, when: datetime | None = None
) -> str:
    """outcomes[source, day, kind] += 1 in the caller's transaction; returns the kind."""
    kind = outcome_kind(res)
    day = (when or utcnow()).strftime("%Y-%m-%d")
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(fetch_outcomes).values(source_id=source_id or NO_SOURCE, day=day, kind=kind, n=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[fetch_outcomes.c.source_id, fetch_outcomes.c.day, fetch_outcomes.c.kind],
        set_={"n": fetch_outcomes.c.n + 1},
    )
    conn.execute(stmt)
    return kind


__all__ = ["KINDS", "NO_SOURCE", "outcome_kind", "record_outcome"]
