"""Accounts, roles and sessions of the staff workspace: every staff page proves who may see it."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from survey.store import accounts
from survey.store.accounts import MAX_FAILED_LOGINS
from survey.store.models import AuditEvent, StaffUser
from tests.staff_helpers import PASSWORD, Staff, logged_in, make_user

SAMPLE_ARGS = {"slug": "needs-assessment", "number": 1, "lang": "ar", "section_code": "about",
               "fmt": "svg", "user_id": 1, "code": "district", "offer_id": 1, "request_id": 1,
               "district": "nord", "field": "housing", "job_id": "00000000-0000-0000-0000-000000000000",
               "name": "weekly"}


def staff_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff."):
            yield rule


def url_for_rule(rule) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(SAMPLE_ARGS[name]), url)
    return url


def test_every_staff_view_declares_who_may_use_it(app):
    undeclared = [rule.endpoint for rule in staff_rules(app)
                  if not hasattr(app.view_functions[rule.endpoint], "required_roles")]
    assert undeclared == []
    public = sorted(rule.endpoint for rule in staff_rules(app) if app.view_functions[rule.endpoint].required_roles is None)
    assert public == ["staff.login", "staff.logout"]


def test_anonymous_visitors_are_sent_to_the_login_for_every_staff_page(app, bundled):
    visitor = Staff(app)
    for rule in staff_rules(app):
        if app.view_functions[rule.endpoint].required_roles is None:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = visitor.get(url_for_rule(rule)) if method == "GET" else visitor.post(url_for_rule(rule))
        assert response.status_code == 302, (rule.rule, response.status_code)
        assert response.headers["Location"].startswith("/staff/login"), rule.rule


@pytest.mark.parametrize("role", ["admin", "designer", "analyst", "counsellor"])
def test_each_role_reaches_exactly_its_pages(app, db_session_factory, bundled, role):
    staff = logged_in(app, db_session_factory, f"{role}@musterstadt.example", role)
    checked = 0
    for rule in staff_rules(app):
        required = app.view_functions[rule.endpoint].required_roles
        if required is None or rule.endpoint in ("staff.logout",):
            continue
        url = url_for_rule(rule)
        response = staff.get(url) if "GET" in rule.methods else staff.post(url)
        allowed = not required or role in {r.value for r in required}
        if allowed:
            assert response.status_code != 403, (role, rule.rule)
        else:
            assert response.status_code == 403, (role, rule.rule, response.status_code)
            assert "role" in response.get_data(as_text=True).lower() or "Rolle" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 20


def test_repeated_failures_lock_the_account_even_for_the_right_password(app, db_session_factory, db):
    make_user(db_session_factory, "lock@musterstadt.example", "analyst")
    staff = Staff(app)
    for _attempt in range(MAX_FAILED_LOGINS):
        response = staff.login("lock@musterstadt.example", "wrong password!!")
        assert response.status_code == 401
    response = staff.login("lock@musterstadt.example")
    assert response.status_code == 401
    assert "gesperrt" in response.get_data(as_text=True) or "locked" in response.get_data(as_text=True)
    assert staff.get("/staff/").status_code == 302  # still not logged in
    failed = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert len(failed) == MAX_FAILED_LOGINS + 1
    # After the lockout time the right password works again.
    user = db.scalar(select(StaffUser).where(StaffUser.email == "lock@musterstadt.example"))
    later = dt.datetime.now(dt.UTC) + accounts.LOCKOUT + dt.timedelta(seconds=1)
    assert accounts.authenticate(db, user.email, PASSWORD, now=later).ok


def test_unknown_email_and_wrong_password_get_the_same_answer(app, db_session_factory):
    make_user(db_session_factory, "known@musterstadt.example", "analyst")
    staff = Staff(app)
    unknown = staff.login("nobody@musterstadt.example").get_data(as_text=True)
    wrong = staff.login("known@musterstadt.example", "not the password").get_data(as_text=True)
    message = re.compile(r'<div class="error-summary".*?</div>', re.S)
    assert message.search(unknown).group(0) == message.search(wrong).group(0)


def test_changing_the_password_logs_out_every_other_session(app, db_session_factory):
    first = logged_in(app, db_session_factory, "two@musterstadt.example", "designer")
    second = Staff(app)
    assert second.login("two@musterstadt.example").status_code == 302
    assert second.get("/staff/questionnaires").status_code == 200
    response = first.post("/staff/password", {"current": PASSWORD, "new": "a brand new passphrase", "repeat": "a brand new passphrase"})
    assert response.status_code == 302
    assert first.get("/staff/questionnaires").status_code == 200  # this session stays
    assert second.get("/staff/questionnaires").status_code == 302  # the other one ended
    assert Staff(app).login("two@musterstadt.example", "a brand new passphrase").status_code == 302


def test_a_one_time_password_must_be_replaced_first(app, db_session_factory):
    make_user(db_session_factory, "new@musterstadt.example", "analyst", must_change_password=True)
    staff = Staff(app)
    staff.login("new@musterstadt.example")
    response = staff.get("/staff/questionnaires")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/password"


def test_session_cookie_flags(app, db_session_factory):
    make_user(db_session_factory, "cookie@musterstadt.example", "analyst")
    staff = Staff(app)
    response = staff.login("cookie@musterstadt.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = Staff(app)
    secure.client.get("/staff/login", base_url="https://survey.musterstadt.example")
    page = secure.client.get("/staff/login", base_url="https://survey.musterstadt.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = secure.client.post("/staff/login", base_url="https://survey.musterstadt.example",
                                  data={"csrf_token": token, "email": "cookie@musterstadt.example", "password": PASSWORD},
                                  headers={"Referer": "https://survey.musterstadt.example/staff/login"})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_redirects_only_inside_the_staff_area(app, db_session_factory):
    make_user(db_session_factory, "next@musterstadt.example", "analyst")
    staff = Staff(app)
    response = staff.post("/staff/login", {"email": "next@musterstadt.example", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/staff/"


def test_admin_creates_users_with_a_one_time_password_and_sees_the_audit_log(app, db_session_factory, db):
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    response = admin.post("/staff/users", {"email": "analyst@musterstadt.example", "roles": ["analyst"]})
    assert response.status_code == 200
    password = re.search(r'class="code big" dir="ltr">([a-z0-9-]+)<', response.get_data(as_text=True)).group(1)
    duplicate = admin.post("/staff/users", {"email": "ANALYST@musterstadt.example", "roles": ["analyst"]})
    assert duplicate.status_code == 422
    newcomer = Staff(app)
    assert newcomer.login("analyst@musterstadt.example", password).status_code == 302
    assert newcomer.get("/staff/questionnaires").headers["Location"] == "/staff/password"
    # Deactivating ends the newcomer's session at once.
    user_id = db.scalar(select(StaffUser.id).where(StaffUser.email == "analyst@musterstadt.example"))
    admin.post(f"/staff/users/{user_id}", {"action": "deactivate"})
    assert newcomer.get("/staff/password").status_code == 302
    log = admin.get("/staff/audit").get_data(as_text=True)
    assert "user_created" in log and "user_deactivated" in log and "analyst@musterstadt.example" in log
    # An admin cannot lock themselves out.
    me = db.scalar(select(StaffUser.id).where(StaffUser.email == "admin@musterstadt.example"))
    admin.post(f"/staff/users/{me}", {"action": "roles", "roles": ["analyst"]})
    assert admin.get("/staff/users").status_code == 200


def test_staff_pages_are_german_by_default_and_english_on_request(app, db_session_factory):
    staff = Staff(app, language=None)
    assert "Anmelden" in staff.get("/staff/login").get_data(as_text=True)
    assert "Log in" in staff.get("/staff/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
