"""Staff sessions that end, and lockouts that keep guessers out but not the account's owner
(issue 16): each test reproduces the attack that broke before."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey.store import accounts
from survey.store.accounts import MAX_FAILED_LOGINS
from survey.store.models import AuditEvent, StaffUser
from survey.web import request_db
from tests.staff_helpers import PASSWORD, Staff, logged_in, make_user

EXPORT = "/staff/q/needs-assessment/export.csv"


def copy_of_cookies(staff: Staff, app) -> Staff:
    """A second browser holding the same cookies (a stolen or copied session cookie)."""
    thief = Staff(app)
    for cookie in staff.client._cookies.values():
        thief.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def test_after_logout_a_copied_session_cookie_is_worth_nothing(app, db_session_factory, bundled):
    analyst = logged_in(app, db_session_factory, "copy@musterstadt.example", "analyst")
    thief = copy_of_cookies(analyst, app)
    assert thief.get(EXPORT).status_code == 200  # the copy works while the session lives
    assert analyst.post("/staff/logout").status_code == 302
    response = thief.get(EXPORT)
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_no_session_outlives_its_absolute_lifetime_however_active(app, db_session_factory, bundled):
    analyst = logged_in(app, db_session_factory, "busy@musterstadt.example", "analyst")
    assert analyst.get("/staff/").status_code == 200
    with analyst.client.session_transaction() as session:
        # Active a minute ago, but logged in longer ago than any session may last.
        session["staff_seen"] = int(dt.datetime.now(dt.UTC).timestamp()) - 60
        session["staff_started"] -= int(app.config["STAFF_SESSION_HOURS"]) * 3600 + 1
    response = analyst.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize("target", ["/staff/\r\nSet-Cookie: x=1", "/staff/q\n", "//evil.example/staff/",
                                    "/staff/\\evil", "https://evil.example/staff/"])
def test_a_redirect_target_from_the_login_form_is_checked(app, db_session_factory, target):
    make_user(db_session_factory, "next@musterstadt.example", "analyst")
    staff = Staff(app)
    response = staff.post("/staff/login", {"email": "next@musterstadt.example", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"


def test_a_redirect_target_of_the_offer_list_is_checked(app, db_session_factory):
    from survey.store.sample import load_sample

    with db_session_factory() as session:
        load_sample(session)
        session.commit()
    designer = logged_in(app, db_session_factory, "back@musterstadt.example", "designer")
    response = designer.post("/staff/offers/1/verify", {"back": "/staff/offers\r\nX-Evil: 1"})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/offers/1"


def test_guessing_from_elsewhere_locks_out_unknown_browsers_but_not_the_owners(app, db_session_factory, db):
    owner = logged_in(app, db_session_factory, "owner@musterstadt.example", "admin")  # this browser is known now
    owner.post("/staff/logout")
    guesser = Staff(app)
    for _attempt in range(MAX_FAILED_LOGINS):
        assert guesser.login("owner@musterstadt.example", "a wrong guess!!").status_code == 401
    locked = guesser.login("owner@musterstadt.example")  # even the right password, from there
    assert locked.status_code == 401 and "locked" in locked.get_data(as_text=True)

    response = owner.login("owner@musterstadt.example")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    # ... and the owner is told, on the first page after the login.
    page = owner.get("/staff/").get_data(as_text=True)
    assert f"someone tried {MAX_FAILED_LOGINS} times" in page and "locked for unknown browsers" in page
    assert "someone tried" not in owner.get("/staff/").get_data(as_text=True)  # told once
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert len(events) == MAX_FAILED_LOGINS + 1


def test_a_known_browser_that_guesses_is_locked_too(app, db_session_factory):
    owner = logged_in(app, db_session_factory, "known@musterstadt.example", "analyst")
    owner.post("/staff/logout")
    for _attempt in range(MAX_FAILED_LOGINS):
        assert owner.login("known@musterstadt.example", "a wrong guess!!").status_code == 401
    assert owner.login("known@musterstadt.example").status_code == 401
    assert Staff(app).login("known@musterstadt.example").status_code == 302  # a browser elsewhere is not locked


def test_a_device_cookie_is_for_its_own_account_only(app, db_session_factory):
    first = logged_in(app, db_session_factory, "first@musterstadt.example", "analyst")
    make_user(db_session_factory, "second@musterstadt.example", "analyst")
    for _attempt in range(MAX_FAILED_LOGINS):
        Staff(app).login("second@musterstadt.example", "a wrong guess!!")
    # first's browser is known to first's account, not to second's: the lock applies.
    assert first.login("second@musterstadt.example").status_code == 401


def test_no_write_transaction_waits_while_argon2_works(app, db_session_factory, monkeypatch):
    """On SQLite a login held the write lock during the password hash (~250 ms): two wrong
    logins stopped respondents. The hash now runs with no transaction open."""
    make_user(db_session_factory, "slow@musterstadt.example", "analyst")
    seen: list[bool] = []
    verify = accounts.verify_password

    def watching(check, password):
        seen.append(request_db.get_db().in_transaction())
        return verify(check, password)

    monkeypatch.setattr(accounts, "verify_password", watching)
    staff = Staff(app)
    staff.login("slow@musterstadt.example", "a wrong guess!!")
    assert staff.login("slow@musterstadt.example").status_code == 302
    assert seen == [False, False]


def test_deactivating_a_user_ends_their_sessions(app, db_session_factory, db):
    admin = logged_in(app, db_session_factory, "boss@musterstadt.example", "admin")
    analyst = logged_in(app, db_session_factory, "gone@musterstadt.example", "analyst")
    user = db.scalar(select(StaffUser).where(StaffUser.email == "gone@musterstadt.example"))
    assert admin.post(f"/staff/users/{user.id}", {"action": "deactivate"}).status_code == 302
    assert analyst.get("/staff/").status_code == 302
