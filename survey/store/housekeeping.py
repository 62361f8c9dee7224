"""Which process does the server's periodic work (survey.web.housekeeping) this time: one row per
task records when it last ran, and ``claim`` takes the task for one interval. No Flask here.

A claim is one atomic statement on SQLite and PostgreSQL alike: ``INSERT ... ON CONFLICT DO
UPDATE SET last_run = now WHERE last_run <= now - interval RETURNING task``. Of any number of
workers and hosts that try at the same moment, the first takes the row lock and moves
``last_run``; the others wait for that lock (PostgreSQL re-reads the row after it, SQLite has one
writer at a time anyway), find the condition false and get no row back, so exactly one does the
work per interval. The very first run inserts the row, and a second first run meets the conflict.
The caller commits the claim at once, before the work, so the lock is held only for an instant.
The time is the app server's clock (the hosts' clocks are kept in step by NTP).
"""
from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from survey.store.db import upsert
from survey.store.models import HousekeepingRun, utcnow


def claim(session: Session, task: str, interval_seconds: float, now: dt.datetime | None = None) -> bool:
    """True when ``task`` last ran ``interval_seconds`` or longer ago (or never) and this session
    now holds it: ``last_run`` is set to ``now``. Only flushes; commit at once."""
    now = now or utcnow()
    table = cast(Table, HousekeepingRun.__table__)
    first_run = upsert(session, table, "housekeeping runs").values(task=task, last_run=now)
    statement = first_run.on_conflict_do_update(
        index_elements=[table.c.task],
        set_={"last_run": first_run.excluded.last_run},
        where=table.c.last_run <= now - dt.timedelta(seconds=interval_seconds),
    ).returning(table.c.task)
    return session.execute(statement).scalar_one_or_none() is not None


def last_run(session: Session, task: str) -> dt.datetime | None:
    run = session.get(HousekeepingRun, task)
    return run.last_run if run is not None else None
