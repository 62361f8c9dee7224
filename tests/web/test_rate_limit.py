"""Rate limits per client (a token that changes every minute, never an address) and for everyone,
in the database: what respondents and staff meet when a limit is reached, and that one flooding
client leaves the others going (issue 16)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from survey.store import rate_limits
from survey.store.models import Draft, RateLimitBucket, Response
from survey.web import clients
from tests.staff_helpers import PASSWORD, Staff, make_user
from tests.store.test_rate_limit import T0
from tests.web.test_respondent_flow import ABOUT, complete_page, start_in

SLUG = "needs-assessment"


@pytest.fixture()
def frozen_clock(monkeypatch):
    """Rate-limit windows and the clients' tokens follow this clock, so no test depends on where
    in a minute it runs."""
    clock = {"now": T0}
    monkeypatch.setattr(rate_limits, "utcnow", lambda: clock["now"])
    monkeypatch.setattr(clients, "_now", lambda: clock["now"].timestamp())
    return clock


def visitor(new_browser, address: str):
    browser = new_browser()
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser


def first_save(browser, lang: str = "ar"):
    """Start and save the first page: what creates a draft (and counts against the limits)."""
    start_in(browser, lang)
    return browser.client.post(f"/s/{SLUG}/{lang}/p/about", data=page_form(browser, ABOUT))


def page_form(browser, answers: dict) -> dict:
    """What the page's form sends: its token, the questions it showed and the answers."""
    shown = re.search(r'name="_shown" value="([^"]*)"', browser.html)
    return {"csrf_token": browser.csrf(), "_shown": shown.group(1) if shown else "", "action": "next", **answers}


# --- respondents ------------------------------------------------------------------------------


def test_starting_stores_nothing_however_often(app, new_browser, db, frozen_clock):
    """A flood of starts (the consent button) costs the database nothing: no draft, no count."""
    app.config.update(RATE_LIMIT_SUBMISSIONS=1, RATE_LIMIT_CLIENT_SUBMISSIONS=1)
    for _ in range(20):
        start_in(new_browser(), "ar")
    assert db.scalar(select(func.count(Draft.id))) == 0
    assert db.scalar(select(func.count()).select_from(RateLimitBucket)) == 0


def test_new_drafts_beyond_the_limit_get_a_friendly_429_in_the_respondents_language(app, new_browser, db, frozen_clock):
    app.config["RATE_LIMIT_SUBMISSIONS"] = 1
    first = visitor(new_browser, "203.0.113.5")
    assert first_save(first).status_code == 302
    second = visitor(new_browser, "198.51.100.7")
    response = first_save(second)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "50"
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and 'role="alert"' in html
    # The page they filled in, with what they entered, to send again.
    assert f'action="/s/{SLUG}/ar/p/about"' in html and 'value="mitte" checked' in html
    assert db.scalar(select(func.count(Draft.id))) == 1
    # The respondent who already started keeps saving pages: saving is never limited.
    first.get(f"/s/{SLUG}/ar/p/needs")
    complete_page(first, {"help_areas": ["none"], "knows_where": "yes_used"})
    assert first.url == f"/s/{SLUG}/ar/p/language"
    # In the next minute the second respondent's answers are saved.
    frozen_clock["now"] = T0 + dt.timedelta(seconds=60)
    second._record(response)
    second.post(data={"action": "next", **ABOUT})
    assert second.url == f"/s/{SLUG}/ar/p/needs"
    assert db.scalar(select(func.count(Draft.id))) == 2


def test_one_flooding_client_is_stopped_and_the_others_go_on(app, new_browser, db, frozen_clock):
    """The attack of issue 16: one client creating drafts as fast as it can used up the limit
    for everyone. Now its own limit stops it long before the ceiling."""
    app.config.update(RATE_LIMIT_SUBMISSIONS=20, RATE_LIMIT_CLIENT_SUBMISSIONS=5)
    flood = [first_save(visitor(new_browser, "203.0.113.66")).status_code for _ in range(12)]
    assert flood == [302] * 5 + [429] * 7
    others = [first_save(visitor(new_browser, f"198.51.100.{n}")).status_code for n in range(1, 11)]
    assert others == [302] * 10
    # Many clients at once still meet the ceiling, the last line.
    crowd = [first_save(visitor(new_browser, f"192.0.2.{n}")).status_code for n in range(1, 11)]
    assert crowd.count(302) == 20 - 5 - 10 and crowd.count(429) == 10 - 5
    assert db.scalar(select(func.count(Draft.id))) == 20


def test_a_client_on_ipv6_is_one_client_across_its_network(app, new_browser, frozen_clock):
    app.config.update(RATE_LIMIT_SUBMISSIONS=100, RATE_LIMIT_CLIENT_SUBMISSIONS=2)
    statuses = [first_save(visitor(new_browser, f"2001:db8:1:2::{n:x}")).status_code for n in range(1, 4)]
    assert statuses == [302, 302, 429]
    assert first_save(visitor(new_browser, "2001:db8:1:3::1")).status_code == 302  # another network


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
    addresses = ("203.0.113.5", "198.51.100.7")
    for address in addresses:
        assert first_save(visitor(new_browser, address), "de").status_code == 302
    keys = db.scalars(select(RateLimitBucket.key).order_by(RateLimitBucket.key)).all()
    assert len(keys) == 3 and f"start:{SLUG}" in keys
    assert db.get(RateLimitBucket, f"start:{SLUG}").count == 2
    client_keys = [key for key in keys if key.startswith("client:")]
    assert len(client_keys) == 2 and all(re.fullmatch(rf"client:start:[0-9a-f]{{32}}:{SLUG}", key) for key in client_keys)
    assert not [key for key in keys for address in addresses if address in key or address.replace(".", "") in key]


def test_a_clients_rows_are_gone_once_its_minute_is_over(app, new_browser, db, frozen_clock):
    assert first_save(visitor(new_browser, "203.0.113.5"), "de").status_code == 302
    frozen_clock["now"] = T0 + dt.timedelta(seconds=61)
    assert first_save(visitor(new_browser, "203.0.113.5"), "de").status_code == 302
    client_rows = db.scalars(select(RateLimitBucket).where(RateLimitBucket.key.startswith("client:"))).all()
    assert len(client_rows) == 1 and client_rows[0].count == 1  # a new token in the new minute


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
    # One counter for all logins, started afresh in the new minute (and one for this client).
    assert [key for key in db.scalars(select(RateLimitBucket.key)) if not key.startswith("client:")] == ["login"]
    assert db.get(RateLimitBucket, "login").count == 1


def test_a_guessing_client_is_stopped_and_the_office_logs_in(app, db_session_factory, frozen_clock):
    """The attack of issue 16: a login flood gave real analysts 429 for as long as it ran."""
    app.config.update(RATE_LIMIT_LOGINS=30, RATE_LIMIT_CLIENT_LOGINS=5)
    make_user(db_session_factory, "a@musterstadt.example", "analyst")
    guesser = Staff(app)
    guesser.client.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    statuses = [guesser.login(f"user{n}@musterstadt.example", "wrong password!").status_code for n in range(12)]
    assert statuses == [401] * 5 + [429] * 7
    analyst = Staff(app)
    analyst.client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert analyst.login("a@musterstadt.example", PASSWORD).status_code == 302
    assert analyst.get("/staff/").status_code == 200
