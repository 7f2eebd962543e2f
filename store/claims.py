"""Leases on units of work, safe for any number of workers on any number of machines.

A claim is a row of `claims` (stage, item id, token, time). Claiming is two steps in one
transaction: pick candidates (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so concurrent workers
take different rows without waiting), then take each with an upsert that only succeeds
where no live claim exists, which is what makes two workers never hold the same item even
when their snapshots overlap. A candidate finished by someone else between the two steps is
dropped by a re-check. `finish` deletes the claim in the caller's transaction and raises
`ClaimLost` when the token no longer holds it (the lease expired and another worker took
it): the caller's writes roll back with it, so a slow worker never overwrites a result.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, delete, select

from core.settings.storage import WorkerSettings
from store.db import insert_on_conflict, utcnow
from store.schema import claims


class ClaimLost(RuntimeError):
    """The claim's lease expired and another worker holds the item now: drop the result."""


class Claim(list):
    """The ids taken by one claim, in order, and the token that proves it (one per claim)."""

    def __init__(self, ids: Iterable[int] = (), token: str = "") -> None:
        super().__init__(ids)
        self.token = token


def new_token() -> str:
    return uuid.uuid4().hex


def take(
    conn: Connection,
    stage: str,
    ids: Sequence[int],
    token: str,
    *,
    now: datetime,
    lease: timedelta,
) -> list[int]:
    """In the caller's transaction, claim those of `ids` with no live claim; returns them."""
    if not ids:
        return []
    ins = insert_on_conflict(conn, claims).values(
        [{"stage": stage, "item_id": int(i), "token": token, "claimed_at": now} for i in ids]
    )
    ins = ins.on_conflict_do_update(
        index_elements=[claims.c.stage, claims.c.item_id],
        set_={"token": ins.excluded.token, "claimed_at": ins.excluded.claimed_at},
        where=claims.c.claimed_at < now - lease,
    ).returning(claims.c.item_id)
    got = {r[0] for r in conn.execute(ins)}
    return [int(i) for i in ids if int(i) in got]


def lease_of(workers: WorkerSettings, stage: str) -> timedelta:
    """`[workers] lease_s` of `stage`; a stage the file leaves out keeps its default."""
    default = WorkerSettings.model_fields["lease_s"].default
    return timedelta(seconds=workers.lease_s.get(stage, default[stage]))


def live_claims(stage: str, now: datetime, lease: timedelta):  # noqa: ANN201 - a Select
    """Ids of `stage` whose claim is still live: candidates exclude them."""
    return select(claims.c.item_id).where(
        claims.c.stage == stage, claims.c.claimed_at >= now - lease
    )


def claim_where(
    engine: Engine,
    stage: str,
    table: Table,
    conds: Sequence[Any],
    *,
    limit: int | None,
    lease: timedelta,
    order_by: Sequence[Any] = (),
    now: datetime | None = None,
    id_col: Column | None = None,
) -> Claim:
    """Claim up to `limit` (None: all) rows of `table` matching `conds` that nobody holds."""
    now = now or utcnow()
    col = id_col if id_col is not None else table.c.id
    token = new_token()
    q = (
        select(col)
        .where(*conds, col.not_in(live_claims(stage, now, lease)))
        .order_by(*(order_by or (col,)))
    )
    if limit is not None:
        q = q.limit(limit)
    pg = engine.dialect.name == "postgresql"
    if pg:
        q = q.with_for_update(skip_locked=True, of=table)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(q)]
        got = take(conn, stage, ids, token, now=now, lease=lease)
        if got and pg:
            # A row finished by another worker after our snapshot no longer matches: give it
            # back (READ COMMITTED: this statement sees everything committed before it).
            still = {r[0] for r in conn.execute(select(col).where(col.in_(got), *conds))}
            gone = [i for i in got if i not in still]
            if gone:
                _drop(conn, stage, gone, token)
                got = [i for i in got if i in still]
    return Claim(got, token)


def claim_ids(
    engine: Engine, stage: str, ids: Sequence[int], *, lease: timedelta, now: datetime | None = None
) -> Claim:
    """Claim exactly these items (those nobody holds): a direct command on one article."""
    token = new_token()
    with engine.begin() as conn:
        got = take(conn, stage, list(ids), token, now=now or utcnow(), lease=lease)
    return Claim(got, token)


def _drop(conn: Connection, stage: str, ids: Sequence[int], token: str) -> int:
    return conn.execute(
        delete(claims).where(
            claims.c.stage == stage, claims.c.item_id.in_(list(ids)), claims.c.token == token
        )
    ).rowcount


def finish_claim(conn: Connection, stage: str, item_ids: int | Sequence[int], token: str) -> None:
    """End the claim on `item_ids` in the caller's transaction; ClaimLost if not all ours."""
    ids = [item_ids] if isinstance(item_ids, int) else list(item_ids)
    if not ids:
        return
    n = _drop(conn, stage, ids, token)
    if n != len(set(ids)):
        raise ClaimLost(
            f"{stage}: {len(set(ids)) - n} of {len(set(ids))} claims expired and were taken "
            "by another worker; their results are dropped"
        )


def release(engine: Engine, stage: str, item_ids: Iterable[int], token: str) -> int:
    """Hand back unfinished claims at once (a clean stop), instead of waiting for the lease."""
    ids = list(item_ids)
    if not ids:
        return 0
    with engine.begin() as conn:
        return _drop(conn, stage, ids, token)


def forget_all(engine: Engine) -> int:
    """Drop every claim: only for a store one process works on (SQLite, after taking its
    single-process lock), where any claim left is a dead predecessor's, not a lease to wait
    out."""
    with engine.begin() as conn:
        return conn.execute(delete(claims)).rowcount


def held(engine: Engine, stage: str | None = None) -> list[dict[str, Any]]:
    """Claims in the store (tests, `storyloom doctor`)."""
    q = select(claims)
    if stage:
        q = q.where(claims.c.stage == stage)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


__all__ = [
    "Claim",
    "ClaimLost",
    "claim_ids",
    "claim_where",
    "finish_claim",
    "forget_all",
    "held",
    "lease_of",
    "live_claims",
    "release",
    "take",
]
