"""Rate limits without IP addresses, in the database: the counter itself (also under concurrent
writers on SQLite and PostgreSQL), and what respondents and staff meet when a limit is reached."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from survey.store import rate_limits
from survey.store.models import Draft, RateLimitBucket, Response
from tests.staff_helpers import PASSWORD, Staff, make_user
from tests.store.test_rate_limit import T0
from tests.web.test_respondent_flow import ABOUT, complete_page, start_in

SLUG = "needs-assessment"


@pytest.fixture()
def frozen_clock(monkeypatch):
    """Rate-limit windows follow this clock, so no test depends on where in a minute it runs."""
    clock = {"now": T0}
    monkeypatch.setattr(rate_limits, "utcnow", lambda: clock["now"])
    return clock


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
