"""Security headers on every response, templates that need no inline script or style, and CSRF
on every state-changing request."""
from __future__ import annotations

import re

import pytest
from flask_babel import gettext

from survey.app import csrf
from survey.web.security_headers import FRAMEABLE_POLICY
from tests.staff_helpers import Staff, logged_in
from tests.unit.test_security_headers import EXPECTED_CSP, inline_code_problems
from tests.web.test_staff_access import SAMPLE_ARGS, url_for_rule

SLUG = "needs-assessment"


ALL_ROLES = ("admin", "designer", "analyst", "counsellor")


def assert_standard_headers(response, frameable: bool = False) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == (FRAMEABLE_POLICY if frameable else EXPECTED_CSP)
    assert headers["X-Frame-Options"] == ("SAMEORIGIN" if frameable else "DENY")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in permissions


@pytest.mark.parametrize("url", [
    f"/s/{SLUG}/",            # language choice
    f"/s/{SLUG}/ar/",         # intro
    f"/s/{SLUG}/ar/resume",
    "/s/nope/",              # an error page (404)
    "/staff/login",
    "/staff/",                # a redirect to the login
])
def test_every_kind_of_response_carries_the_headers(browser, url):
    response = browser.client.get(url)
    assert response.status_code in (200, 302, 404)
    assert_standard_headers(response)


def test_assets_carry_the_headers(browser):
    page = browser.client.get(f"/s/{SLUG}/ar/").get_data(as_text=True)
    asset = re.search(r'href="(/assets/[^"]+\.css)"', page).group(1)
    response = browser.client.get(asset)
    assert response.status_code == 200
    assert_standard_headers(response)


def test_only_the_staff_preview_page_may_be_framed_and_only_by_the_staff_area(app, db_session_factory, bundled):
    staff = logged_in(app, db_session_factory, "designer@musterstadt.example", "designer")
    outer = staff.get(f"/staff/q/{SLUG}/v/1/preview/ar/")
    assert outer.status_code == 200
    assert_standard_headers(outer)  # the page holding the frame is itself never framed
    frame_url = re.search(r'<iframe class="phone" src="([^"]+)"', outer.get_data(as_text=True)).group(1)
    framed = staff.get(frame_url)
    assert framed.status_code == 200
    assert_standard_headers(framed, frameable=True)
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    # A POST inside the frame (the next preview page) stays frameable too.
    token = re.search(r'name="csrf_token" value="([^"]+)"', framed.get_data(as_text=True)).group(1)
    following = staff.client.post(frame_url, data={"csrf_token": token, "action": "back"})
    assert following.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_strict_transport_security_only_over_https(browser):
    assert "Strict-Transport-Security" not in browser.client.get(f"/s/{SLUG}/").headers
    secure = browser.client.get(f"/s/{SLUG}/", base_url="https://umfrage.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "includeSubDomains" not in secure.headers["Strict-Transport-Security"]


def test_a_view_may_set_its_own_value(fresh_app):
    """setdefault: a view that sets a header (the audio clips set nosniff) keeps its own."""
    from flask import make_response

    @fresh_app.get("/_own_header")
    def own_header():
        response = make_response("x")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    response = fresh_app.test_client().get("/_own_header")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_respondent_page_as_rendered_has_no_inline_code(browser):
    pages = [f"/s/{SLUG}/", f"/s/{SLUG}/ar/", f"/s/{SLUG}/ar/resume", f"/s/{SLUG}/ar/accessibility",
             f"/s/{SLUG}/ar/delete", f"/s/{SLUG}/ar/thanks", "/s/nope/"]
    seen = []
    for url in pages:
        response = browser.client.get(url, follow_redirects=True)
        seen.append(response.get_data(as_text=True))
    browser.get(f"/s/{SLUG}/ar/")
    browser.post(f"/s/{SLUG}/ar/start")
    seen.append(browser.html)
    browser.post(data={"action": "next"})  # required answers missing: the error summary
    assert browser.status == 422
    seen.append(browser.html)
    from survey.store.questionnaires import live_version, questionnaire_for_version
    from survey.web.request_db import get_db

    with browser.client.application.test_request_context():
        sections = [section.code for section in questionnaire_for_version(live_version(get_db(), SLUG)).sections]
    for code in sections:
        seen.append(browser.client.get(f"/s/{SLUG}/ar/p/{code}", follow_redirects=True).get_data(as_text=True))
    seen.append(browser.client.get(f"/s/{SLUG}/ar/review").get_data(as_text=True))
    assert len(seen) >= 10 + len(sections) - 1
    problems = {index: inline_code_problems(html) for index, html in enumerate(seen)}
    assert {index: found for index, found in problems.items() if found} == {}


def test_every_staff_page_as_rendered_has_no_inline_code(app, db_session_factory, bundled):
    staff = logged_in(app, db_session_factory, "all@musterstadt.example", *ALL_ROLES)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or "GET" not in rule.methods or rule.endpoint == "staff.logout":
            continue
        response = staff.get(url_for_rule(rule), follow_redirects=True)
        assert_standard_headers(response, frameable=rule.endpoint == "staff.preview_section")
        if response.mimetype == "text/html":
            assert inline_code_problems(response.get_data(as_text=True)) == [], rule.rule
            checked += 1
    assert checked >= 20


# --- CSRF -------------------------------------------------------------------------------------


def test_no_view_or_blueprint_is_exempt_from_csrf(app):
    # With the app made, every view and blueprint is imported: an exemption would be recorded.
    assert app.blueprints and not csrf._exempt_views and not csrf._exempt_blueprints


def test_every_state_changing_route_refuses_a_request_without_token(app, db_session_factory, bundled):
    staff = logged_in(app, db_session_factory, "csrf@musterstadt.example", *ALL_ROLES)
    # The respondent has a draft, so a forged POST would have something to change.
    respondent = Staff(app)
    respondent.client.get(f"/s/{SLUG}/de/")
    checked = []
    for rule in app.url_map.iter_rules():
        unsafe = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not unsafe:
            continue
        url = url_for_rule(rule) if all(name in SAMPLE_ARGS for name in rule.arguments) else None
        assert url is not None, f"add sample arguments for {rule.rule} to SAMPLE_ARGS"
        client = staff.client if rule.endpoint.startswith("staff.") else respondent.client
        for method in sorted(unsafe):
            response = client.open(url, method=method, data={"action": "next", "email": "x"})
            body = response.get_data(as_text=True)
            assert response.status_code == 400, (method, rule.rule, response.status_code)
            with app.test_request_context(url, method=method, headers={"Accept-Language": "en"}):
                title = gettext("Your page had expired")  # in the page's language
            assert f"<h1>{title}</h1>" in body and "Traceback" not in body, rule.rule
            checked.append(rule.endpoint)
    assert len(set(checked)) >= 15
    # Nothing happened: the staff member is still logged in (logout refused), no draft was started.
    assert staff.get("/staff/").status_code == 200
    assert respondent.client.get(f"/s/{SLUG}/de/p/about").status_code == 302


def test_nothing_personal_or_per_questionnaire_is_kept_by_a_browser(app, db_session_factory, bundled):
    """Exports and charts were "no-cache" (kept, revalidated) and "private, max-age=300":
    every staff response, and every respondent page, is "no-store" (issue 16, issue 17)."""
    from tests.staff_helpers import logged_in

    analyst = logged_in(app, db_session_factory, "cache@musterstadt.example", "analyst")
    for url in ("/staff/", "/staff/q/needs-assessment/export.csv", "/staff/q/needs-assessment/results/aggregate.csv"):
        response = analyst.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", url
    client = app.test_client()
    for url in (f"/s/{SLUG}/", f"/s/{SLUG}/ar/", f"/s/{SLUG}/ar/resume"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_production_answers_only_for_its_public_address(tmp_path):
    """With no public address an attacker's Host header ended up in links, flyers and QR codes
    (issue 16): production refuses to start without it, and refuses other host names."""
    from survey.app import create_app
    from survey.web.config import SettingError

    settings = {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    with pytest.raises(SettingError, match="SURVEY_PUBLIC_BASE_URL"):
        create_app(settings, instance_path=str(tmp_path), production=True)
    app = create_app({**settings, "PUBLIC_BASE_URL": "https://umfrage.musterstadt.de", "PROXY_COUNT": 1},
                     instance_path=str(tmp_path), production=True)
    client = app.test_client()
    assert client.get("/nowhere", base_url="https://umfrage.musterstadt.de").status_code == 404
    assert client.get("/nowhere", base_url="https://evil.example").status_code == 400
    forged = client.get("/nowhere", base_url="https://umfrage.musterstadt.de",
                        headers={"X-Forwarded-Host": "evil.example"})
    assert forged.status_code == 400
    prefixed = client.get("/accessibility-missing", base_url="https://umfrage.musterstadt.de",
                          headers={"X-Forwarded-Prefix": "/evil"})
    assert "/evil" not in prefixed.get_data(as_text=True)
