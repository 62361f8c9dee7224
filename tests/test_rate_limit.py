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
from survey.store.models import Draft, RateLimitBucket, Response
from tests.staff_helpers import PASSWORD, Staff, make_user
from tests.test_respondent_flow import ABOUT, complete_page, start_in

SLUG = "needs-assessment"
T0 = dt.datetime(2026, 11, 21, 9, 0, 10, tzinfo=dt.timezone.utc)  # 10 s into a minute


@pytest.fixture()
def frozen_clock(monkeypatch):
    """Rate-limit windows follow this clock, so no test depends on where in a minute it runs."""
    clock = {"now": T0}
    monkeypatch.setattr(rate_limits, "utcnow", lambda: clock["now"])
    return clock


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
    assert row.window_start.replace(tzinfo=dt.timezone.utc) == dt.datetime(2026, 11, 21, 9, 1, tzinfo=dt.timezone.utc)


def test_no_limit_writes_nothing(db):
    assert rate_limits.hit(db, "k", 0, 60, now=T0).allowed
    assert db.get(RateLimitBucket, "k") is None


def test_keys_name_what_is_limited_and_fit_the_column():
    assert rate_limits.bucket_key("submit", "needs-assessment") == "submit:needs-assessment"
    assert rate_limits.bucket_key("login") == "login"
    long_key = rate_limits.bucket_key("submit", "x" * 300)
    assert len(long_key) <= 128 and long_key.startswith("submit:sha256:")
    assert long_key != rate_limits.bucket_key("submit", "x" * 299)


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
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
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


# --- respondents ------------------------------------------------------------------------------


def test_new_drafts_beyond_the_limit_get_a_friendly_429_in_the_respondents_language(app, new_browser, db, frozen_clock):
    app.config["RATE_LIMIT_SUBMISSIONS"] = 1
    first = new_browser()
    start_in(first, "ar")
    second = new_browser()
    second.get(f"/s/{SLUG}/ar/")
    response = second.client.post(f"/s/{SLUG}/ar/start", data={"csrf_token": second.csrf()})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "50"
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and 'role="alert"' in html
    assert f'action="/s/{SLUG}/ar/start"' in html  # the start button is there to press again
    assert db.scalar(select(func.count(Draft.id))) == 1
    # The respondent who already started keeps saving pages: saving is never limited.
    complete_page(first, {**ABOUT, "arrival_year": "2020"})
    assert first.url == f"/s/{SLUG}/ar/p/needs"
    # In the next minute the second respondent starts.
    frozen_clock["now"] = T0 + dt.timedelta(seconds=60)
    second.post(f"/s/{SLUG}/ar/start")
    assert second.url == f"/s/{SLUG}/ar/p/about"


def complete_everything(browser, lang="de"):
    start_in(browser, lang)
    complete_page(browser, {**ABOUT, "household_children": "no", "arrival_year": "2020"})
    complete_page(browser, {"help_areas": ["none"], "knows_where": "yes_used"})
    complete_page(browser, {"german_level": "4"})
    for data in ({}, {"work_status": "employed", "work_help": ["none"]}, {"housing_help": ["none"]}, {},
                 {"legal_help": ["none"]}, {}, {"advice_language": ["de"], "advice_channel": ["phone"]}):
        complete_page(browser, data)
    assert browser.url == f"/s/{SLUG}/{lang}/review"


def test_a_refused_submission_keeps_every_answer_and_succeeds_later(app, browser, db, frozen_clock):
    complete_everything(browser, "uk")
    app.config["RATE_LIMIT_SUBMISSIONS"] = 2
    for _ in range(2):  # others used up this minute's submissions
        rate_limits.hit(db, rate_limits.bucket_key("submit", SLUG), 2, now=T0)
    db.commit()
    response = browser.client.post(f"/s/{SLUG}/uk/submit", data={"csrf_token": browser.csrf()})
    assert response.status_code == 429 and response.headers["Retry-After"] == "50"
    html = response.get_data(as_text=True)
    assert '<html lang="uk" dir="ltr">' in html and 'role="alert"' in html
    assert f'action="/s/{SLUG}/uk/submit"' in html  # the review page with its send button
    assert db.scalar(select(func.count(Response.id))) == 0
    draft = db.scalar(select(Draft))
    assert draft is not None and draft.answers["german_level"] == "4"
    # A refused attempt is not counted: the next minute has the full limit.
    frozen_clock["now"] = T0 + dt.timedelta(seconds=61)
    browser.post(f"/s/{SLUG}/uk/submit")
    assert browser.url == f"/s/{SLUG}/uk/thanks"
    stored = db.scalar(select(Response))
    assert stored.answers["german_level"] == "4" and stored.answers["district"] == "mitte"


def test_resume_code_guessing_is_limited_and_the_typed_code_is_kept(app, browser, frozen_clock):
    app.config["RATE_LIMIT_SUBMISSIONS"] = 1
    browser.get(f"/s/{SLUG}/ru/resume")
    browser.post(data={"code": "AAAA-BBBB"})
    assert browser.status == 422
    browser.post(data={"code": "CCCC-DDDD"})
    assert browser.status == 429
    assert 'value="CCCC-DDDD"' in browser.html and 'role="alert"' in browser.html


def test_no_ip_address_is_used_as_a_key(app, new_browser, db, frozen_clock):
    for address in ("203.0.113.5", "198.51.100.7"):
        visitor = new_browser()
        visitor.client.environ_base["REMOTE_ADDR"] = address
        start_in(visitor, "de")
    keys = db.scalars(select(RateLimitBucket.key)).all()
    assert keys == [f"start:{SLUG}"]
    assert db.get(RateLimitBucket, f"start:{SLUG}").count == 2


# --- staff login ------------------------------------------------------------------------------


def test_logins_beyond_the_global_limit_get_a_429_in_the_staff_language(app, db_session_factory, db, frozen_clock):
    app.config["RATE_LIMIT_LOGINS"] = 2
    make_user(db_session_factory, "a@musterstadt.example", "admin")
    german = Staff(app, language=None)
    for email in ("x@musterstadt.example", "y@musterstadt.example"):  # two accounts: the limit is global
        assert german.login(email, "wrong password!").status_code == 401
    refused = german.login("a@musterstadt.example", PASSWORD)  # even the right password waits
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "50"
    html = refused.get_data(as_text=True)
    assert '<html lang="de"' in html and "Bitte warten Sie eine Minute" in html
    assert german.get("/staff/").status_code == 302  # not logged in
    english = Staff(app)
    assert "Please wait a minute" in english.login("a@musterstadt.example", PASSWORD).get_data(as_text=True)
    frozen_clock["now"] = T0 + dt.timedelta(seconds=60)
    assert german.login("a@musterstadt.example", PASSWORD).status_code == 302
    assert german.get("/staff/").status_code == 200
    # One counter for all logins, started afresh in the new minute.
    assert db.scalars(select(RateLimitBucket.key)).all() == ["login"]
    assert db.get(RateLimitBucket, "login").count == 1
