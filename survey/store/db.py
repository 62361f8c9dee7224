"""Database engine and the session used by one request or one CLI command.

Operations in other modules only ``flush``; the caller (a view or a CLI command) commits once.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import CursorResult, Engine, Result, Table, create_engine, event
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _begin):
    # otherwise SAVEPOINTs (the exactly-once submission uses one) do not nest reliably.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets respondents read while another request writes; busy_timeout waits for a lock
    # instead of failing at once; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# True while a request that changes data (a POST) is served. Its SQLite transactions then begin
# IMMEDIATE, taking the write lock at once: a transaction that reads first and writes later
# fails at once with "database is locked" when another process wrote in between (SQLite cannot
# upgrade a stale read snapshot, and the busy timeout does not help), which under load turned
# respondents' pages into retry pages. Waiting for the lock up front makes writers queue instead.
# Reading requests keep plain BEGIN, so page views never wait for each other.
writes_expected: ContextVar[bool] = ContextVar("writes_expected", default=False)


_cooperative: bool | None = None


def _waits_cooperatively() -> bool:
    """True under gevent's monkey patching (gunicorn's gevent workers): there, SQLite's own wait
    for a lock (in C) would stop every greenlet of the worker, so the wait happens in Python,
    where gevent's sleep lets the others run. Decided on first use: gevent patches before the app
    is loaded."""
    global _cooperative
    if _cooperative is None:
        try:
            from gevent import monkey
        except ImportError:
            _cooperative = False
        else:
            _cooperative = bool(monkey.is_module_patched("time"))
    return _cooperative


def _begin_immediate(driver: Any) -> None:
    if not _waits_cooperatively():
        driver.execute("BEGIN IMMEDIATE")
        return
    driver.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.005)
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _begin(connection: Any) -> None:
    if writes_expected.get():
        try:
            # Straight to the driver: SQLAlchemy's statement machinery cost a twentieth of a page
            # submission here, for a statement that has no parameters and no result.
            _begin_immediate(connection.connection.driver_connection)
            return
        except sqlite3.OperationalError:
            # Locked for longer than the busy timeout: begin as a reader, so the request can
            # still load what its page needs; its save then meets the lock and the view shows
            # the page again, with its answers, asking to send it once more.
            pass
    connection.exec_driver_sql("BEGIN")


def json_loads(text: str | bytes) -> Any:
    """JSON columns (answers) as Python values: orjson reads them several times faster than the
    json module (a whole page of results reads every stored response); what orjson refuses
    (NaN, integers beyond 64 bits, a lone surrogate) the json module reads as before."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: an error message must never carry answers into a log.
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True,
                               json_deserializer=json_loads)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, json_deserializer=json_loads)


@dataclass
class Database:
    """The engine and a session factory; tests swap the factory for one bound to a transaction."""

    engine: Engine
    session_factory: sessionmaker[Session]

    @classmethod
    def from_url(cls, url: str) -> Database:
        engine = make_engine(url)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))


def upsert(session: Session, table: Table, purpose: str) -> Insert:
    """An INSERT into ``table`` that can take ``on_conflict_do_update`` (with ``excluded``): the
    dialect's own, as SQLite and PostgreSQL spell it alike. ``purpose`` names the caller in the
    error for another database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"{purpose} need SQLite or PostgreSQL, not {dialect}")
    return insert(table)


def deleted_rows(result: Result[Any]) -> int:
    """How many rows a DELETE or UPDATE statement touched."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
