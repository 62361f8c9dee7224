"""Fixed-window rate limits kept in the database, so every worker process and every host shares
them (app servers stay stateless). No Flask here.

Keys name *what* is limited (``submit:<slug>``, ``login``) and, for the per-client limits, a
token of the client (survey/web/clients.py: a keyed hash that changes every minute), never an
address. One row per key: the global keys' rows are reused window after window; a client's row
lives one window, since its token changes with the window, and rows of past windows are deleted
(``purge_past_clients``), so the table holds only the current minute's clients.

A hit is one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, on SQLite and
PostgreSQL): concurrent requests, even the very first two for a key, cannot lose a count or
fail on the primary key. The hit joins the caller's transaction (the caller commits, as
everywhere in this code base). Callers commit an allowed hit at once, before the work it
allows, so the row lock on a busy key is held only for an instant; they roll a refused hit
back, so only allowed requests are counted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, case, delete, select
from sqlalchemy.orm import Session

from survey.store.db import deleted_rows, upsert
from survey.store.models import RateLimitBucket, utcnow

MAX_KEY_LENGTH = 128  # the column's length


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends (0 when allowed)


def bucket_key(kind: str, name: str = "") -> str:
    """``kind:name``, hashed when it would not fit the column (long slugs)."""
    key = f"{kind}:{name}" if name else kind
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{kind}:sha256:{hashlib.sha256(name.encode('utf-8')).hexdigest()}"[:MAX_KEY_LENGTH]


CLIENT_PREFIX = "client:"


def client_bucket_key(kind: str, client: str, name: str = "") -> str:
    """The key of one client's count of ``kind`` (for ``name``) in the current window."""
    return bucket_key(f"{CLIENT_PREFIX}{kind}:{client}", name)


def purge_past_clients(session: Session, now: dt.datetime | None = None, window_seconds: int = 60) -> int:
    """Delete the client rows of windows that have ended (their tokens never come again). Rows
    another transaction holds are left for the next purge (PostgreSQL), so two purges never wait
    for each other or for a hit. Only flushes."""
    start = window_start(now or utcnow(), window_seconds)
    table = cast(Table, RateLimitBucket.__table__)
    past = (table.c.key.startswith(CLIENT_PREFIX, autoescape=True)) & (table.c.window_start < start)
    if session.get_bind().dialect.name == "postgresql":
        stale = select(table.c.key).where(past).with_for_update(skip_locked=True)
        return deleted_rows(session.execute(delete(table).where(table.c.key.in_(stale))))
    return deleted_rows(session.execute(delete(table).where(past)))


def window_start(now: dt.datetime, window_seconds: int) -> dt.datetime:
    epoch = math.floor(now.timestamp() / window_seconds) * window_seconds
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def hit(session: Session, key: str, limit: int, window_seconds: int = 60, now: dt.datetime | None = None) -> Decision:
    """Count one request for ``key`` in the current window and say whether it is within
    ``limit``. A ``limit`` of 0 or less means no limit (nothing is written). Only flushes."""
    if limit <= 0:
        return Decision(True, 0, limit, 0)
    now = now or utcnow()
    start = window_start(now, window_seconds)
    count = _increment(session, key, start)
    if count <= limit:
        return Decision(True, count, limit, 0)
    retry_after = max(1, math.ceil((start + dt.timedelta(seconds=window_seconds) - now).total_seconds()))
    return Decision(False, count, limit, retry_after)


def _increment(session: Session, key: str, start: dt.datetime) -> int:
    table = cast(Table, RateLimitBucket.__table__)
    first_hit = upsert(session, table, "rate limits").values(key=key, window_start=start, count=1)
    # Same window (or a newer one, written by a host whose clock runs ahead): count on.
    # An older window: start again at 1. Decided inside the one statement, under the row lock.
    current = table.c.window_start >= first_hit.excluded.window_start
    statement = first_hit.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((current, table.c.count + 1), else_=1),
            "window_start": case((current, table.c.window_start), else_=first_hit.excluded.window_start),
        },
    ).returning(table.c.count)
    return int(session.execute(statement).scalar_one())
