"""Rate limits without IP addresses, in the database: the counter itself (also under concurrent
writers on SQLite and PostgreSQL), and what respondents and staff meet when a limit is reached."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from survey.store import rate_limits
from survey.store.db import make_engine
from survey.store.migrate import upgrade_database
from survey.store.models import RateLimitBucket

T0 = dt.datetime(2026, 11, 21, 9, 0, 10, tzinfo=dt.UTC)  # 10 s into a minute


# --- the counter ------------------------------------------------------------------------------


def test_a_fixed_window_allows_the_limit_then_refuses_until_the_next_window(db):
    decisions = [rate_limits.hit(db, "submit:x", 3, 60, now=T0) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4, 5]
    assert decisions[3].retry_after == 50  # the window started 10 s ago
    # The next window starts again at one.
    later = rate_limits.hit(db, "submit:x", 3, 60, now=T0 + dt.timedelta(seconds=50))
    assert later.allowed and later.count == 1
    # Keys are independent; one row per key.
    assert rate_limits.hit(db, "submit:y", 3, 60, now=T0).count == 1
    assert db.scalar(select(func.count()).select_from(RateLimitBucket)) == 2


def test_a_hit_stamped_with_an_older_window_counts_in_the_newer_one(db):
    """Hosts whose clocks disagree by a little must not reset each other's window."""
    rate_limits.hit(db, "k", 10, 60, now=T0 + dt.timedelta(seconds=60))  # a host ahead: next window
    behind = rate_limits.hit(db, "k", 10, 60, now=T0)
    assert behind.count == 2
    row = db.get(RateLimitBucket, "k")
    assert row.window_start.replace(tzinfo=dt.UTC) == dt.datetime(2026, 11, 21, 9, 1, tzinfo=dt.UTC)


def test_no_limit_writes_nothing(db):
    assert rate_limits.hit(db, "k", 0, 60, now=T0).allowed
    assert db.get(RateLimitBucket, "k") is None


@pytest.fixture()
def committing_factory(engine, tmp_path):
    """Sessions that really commit, on their own connections (the concurrency test needs them):
    a fresh SQLite file, or the test PostgreSQL database (its rows are removed afterwards)."""
    if engine.dialect.name == "sqlite":
        real = make_engine(f"sqlite:///{tmp_path / 'concurrent.sqlite3'}")
        upgrade_database(real)
    else:
        real = engine
    yield sessionmaker(real)
    if real is not engine:
        real.dispose()


def test_concurrent_hits_lose_no_count_and_allow_exactly_the_limit(committing_factory):
    key = f"test:{uuid.uuid4()}"  # the very first hits race to create the row
    threads_count, hits_each, limit = 8, 10, 50
    allowed: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_count)
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(hits_each):
                with committing_factory() as session:
                    decision = rate_limits.hit(session, key, limit, 3600, now=T0)
                    session.commit()
                with lock:
                    allowed.append(decision.allowed)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert len(allowed) == threads_count * hits_each
        assert allowed.count(True) == limit
        with committing_factory() as session:
            assert session.get(RateLimitBucket, key).count == threads_count * hits_each
    finally:
        with committing_factory() as session:
            session.execute(delete(RateLimitBucket).where(RateLimitBucket.key == key))
            session.commit()


def test_past_minutes_client_rows_are_purged_and_nothing_else(db):
    earlier, now = T0 - dt.timedelta(seconds=60), T0
    for key in (rate_limits.client_bucket_key("start", "a" * 32, "x"), rate_limits.client_bucket_key("login", "b" * 32)):
        rate_limits.hit(db, key, 5, now=earlier)
    current = rate_limits.client_bucket_key("start", "c" * 32, "x")
    rate_limits.hit(db, current, 5, now=now)
    rate_limits.hit(db, "start:x", 5, now=earlier)  # a global row: reused window after window
    rate_limits.hit(db, "client_start_not_a_client_row", 5, now=earlier)  # named alike, but no client row
    assert rate_limits.purge_past_clients(db, now=now) == 2
    assert sorted(db.scalars(select(RateLimitBucket.key))) == sorted([current, "start:x", "client_start_not_a_client_row"])
    assert rate_limits.purge_past_clients(db, now=now) == 0


def test_a_client_key_fits_the_column_with_a_long_name():
    key = rate_limits.client_bucket_key("submit", "f" * 32, "q" * 200)
    assert key.startswith("client:submit:" + "f" * 32) and len(key) <= rate_limits.MAX_KEY_LENGTH
