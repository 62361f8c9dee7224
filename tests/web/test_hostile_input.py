"""Hostile input everywhere a person can type or upload something, through the web.

A list of payloads (markup, script URLs, spreadsheet formulas, very long text, control characters,
NUL, invalid UTF-8, right-to-left overrides, huge numbers; tests/hostile.py) goes into every
respondent form (every question type of the needs questionnaire, the resume code, the language
switch, the channel code) and every staff form (login, users, channel codes, editor, questionnaire
uploads as YAML and XLSForm). Each must be stored or refused with a 4xx and a message, never a 500,
and wherever it is shown again (review page, staff pages, CSV export) it is escaped or neutralised.

Every payload goes through the domain functions behind these forms in
tests/unit/test_hostile_input.py and tests/store/test_hostile_input.py; here each form takes a
representative few end to end (REPRESENTATIVE: markup as text and in an attribute, a formula, a
text over every limit, NUL, control characters).
"""
from __future__ import annotations

import csv
import io
import itertools
import re
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from survey.store.models import AuditEvent, Channel, Draft, Response, StaffUser
from tests.conftest import Browser
from tests.hostile import (
    EDITOR_SLUG,
    EDITOR_YAML,
    HTML_PAYLOADS,
    PAGES,
    PAYLOADS,
    REPRESENTATIVE,
    YAML_TEMPLATE,
    assert_cells_neutralised,
    assert_escaped,
    assert_not_unpacked,
    hostile_yaml_documents,
    server_ok,
    xlsform_bytes,
    yaml_quoted,
    zip_variants,
)
from tests.staff_helpers import Staff, logged_in
from tests.web.test_problem_texts import problem_items

SLUG = "needs-assessment"


# --- respondents ---------------------------------------------------------------------------------


def post_page(browser: Browser, data: dict[str, Any], action: str = "next") -> Browser:
    """Post the current page; when follow-up questions appear, post it again."""
    start = browser.url
    browser.post(data={"action": action, **data})
    server_ok(browser, f"{start} {action}")
    for _ in range(3):
        if not (browser.url == start and browser.status == 200 and 'role="status"' in browser.html):
            break
        browser.post(data={"action": action, **data})
        server_ok(browser, f"{start} {action} (follow-up)")
    return browser


def start(browser: Browser, lang: str = "en") -> None:
    browser.get(f"/s/{SLUG}/?lang={lang}")
    browser.post(f"/s/{SLUG}/{lang}/start")
    assert browser.url == f"/s/{SLUG}/{lang}/p/about"


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_payload_in_every_respondent_field_is_stored_or_refused_and_escaped(name, browser, app, db, db_session_factory):
    payload = PAYLOADS[name]
    start(browser)
    stored: dict[str, str] = {}
    for page, answers, free in PAGES:
        assert browser.url == f"/s/{SLUG}/en/p/{page}", browser.html[:500]
        # Every field of the page (choices, numbers, years, texts) holds the payload at once:
        # refused with the page shown again, or too big for a form, never a server error.
        hostile = dict.fromkeys(answers, payload) | {"_shown": payload}
        browser.post(data={"action": "next", **hostile})
        server_ok(browser, f"{page}: payload in every field")
        assert browser.status in (200, 302, 400, 413, 422), browser.status
        if browser.status in (400, 413):
            browser.get(f"/s/{SLUG}/en/p/{page}")
        else:
            assert_escaped(browser.html, payload)
        assert browser.url == f"/s/{SLUG}/en/p/{page}", "an invalid page must not move on"

        # Valid choices with the payload in the free-text fields: stored when it fits, else
        # refused with a message at the field.
        attempt = {**answers, **dict.fromkeys(free, payload)}
        post_page(browser, attempt)
        if browser.url.endswith(f"/p/{page}"):
            assert browser.status in (400, 413, 422), (page, browser.status)
            if browser.status == 422:
                assert 'class="error-summary"' in browser.html
                assert_escaped(browser.html, payload)
            else:
                browser.get(f"/s/{SLUG}/en/p/{page}")
            post_page(browser, answers)
        else:
            stored.update(dict.fromkeys(free, payload))
    assert browser.url == f"/s/{SLUG}/en/review", browser.url

    review = browser.html
    assert_escaped(review, payload)
    draft = db.scalars(select(Draft)).one()
    for field in stored:
        if field in draft.answers and isinstance(draft.answers[field], str):
            saved = draft.answers[field]
            assert "\x00" not in saved and "\x1b" not in saved
            assert str(escape(saved)) in review or len(saved) > 500, field
    browser.post(f"/s/{SLUG}/en/submit")
    server_ok(browser, "submit")
    assert browser.url == f"/s/{SLUG}/en/thanks"
    response = db.scalars(select(Response)).one()
    assert all("\x00" not in str(value) for value in response.answers.values())

    analyst = logged_in(app, db_session_factory, "analyst@musterstadt.example", "analyst")
    export = analyst.get(f"/staff/q/{SLUG}/export.csv")
    server_ok(export, "export")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert len(rows) == 2
    assert_cells_neutralised(rows)


def test_text_answers_with_formulas_are_neutralised_in_the_export(browser, app, db_session_factory):
    """The formula payloads (after clean_text, which strips leading whitespace) stored in every
    free-text field reach the CSV with an apostrophe in front."""
    formulas = [PAYLOADS[key] for key in ("formula_eq", "formula_plus", "formula_minus", "formula_at")]
    start(browser)
    turn = itertools.cycle(formulas)
    for _page, answers, free in PAGES:
        texts = {field: next(turn) for field in free if field not in ("household_size", "arrival_year")}
        post_page(browser, {**answers, **texts})
    assert browser.url.endswith("/review"), browser.url
    browser.post(f"/s/{SLUG}/en/submit")
    analyst = logged_in(app, db_session_factory, "analyst@musterstadt.example", "analyst")
    text = analyst.get(f"/staff/q/{SLUG}/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = [cell for cell in rows[1] if cell.startswith("'")]
    assert len(cells) >= 5, rows[1]
    assert "'=HYPERLINK" in "".join(cells) and "'@SUM" in "".join(cells)
    assert_cells_neutralised(rows)


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_language_switch_resume_code_and_channel_take_payloads(name, browser):
    payload = PAYLOADS[name]
    # The channel code of a link: an unknown code is just the plain web link.
    response = browser.client.get(f"/s/{SLUG}/", query_string={"c": payload, "lang": payload})
    server_ok(response, "channel")
    assert response.status_code == (400 if "\x00" in payload else 200)
    assert_escaped(response.get_data(as_text=True), payload)
    start(browser)
    # The language switch with a language that does not exist keeps the page as it is.
    browser.post(data={"action": "switch_language", "new_language": payload, "district": "nord"})
    server_ok(browser, "switch language")
    assert browser.url == f"/s/{SLUG}/en/p/about"
    # The resume code field: not a code or not found, said on the page, nothing else.
    browser.get(f"/s/{SLUG}/en/resume")
    browser.post(data={"code": payload})
    server_ok(browser, "resume")
    assert browser.status in (400, 413, 422)
    if browser.status == 422:
        assert "could not find answers with this code" in browser.html or "eight letters and digits" in browser.html
        assert_escaped(browser.html, payload)


@pytest.mark.parametrize("path", [
    "/s/%00/", "/s/needs-assessment/%00/", "/s/needs-assessment/en/p/%00", "/s/needs-assessment/%3Cscript%3E/",
    "/s/needs-assessment/en/p/about%00", "/s/%E2%80%AEevil/", "/s/needs-assessment/audio/%00.ogg",
    "/s/needs-assessment/audio/..%2F..%2Fsetup.cfg", "/staff/q/%00", "/staff/q/needs-assessment%00/export.csv",
    "/s/" + "a" * 5000 + "/", "/s/needs-assessment/?c=%00", "/s/needs-assessment/?lang=%00",
    "/s/needs-assessment/%FF%FE/",
])
def test_hostile_paths_are_refused_cleanly(path, browser, app, db_session_factory):
    response = browser.client.get(path)
    server_ok(response, path)
    staff = logged_in(app, db_session_factory, "both@musterstadt.example", "designer", "analyst")
    server_ok(staff.get(path), f"staff {path}")


def test_invalid_utf8_in_respondent_posts(browser):
    start(browser)
    token = browser.csrf() + "&_shown=district+age_band+gender+arrival_year+housing_type+household_children"
    # Percent-encoded invalid UTF-8 (what a browser would send) decodes to U+FFFD: not an option.
    for body in (
        b"csrf_token=" + token.encode() + b"&action=next&district=%FF%FE&age_band=%C3%28",
        b"csrf_token=" + token.encode() + b"&action=next&district=nord&arrival_year=%C0%AF&housing_type=%ED%A0%80",
        b"csrf_token=" + token.encode() + b"&action=switch_language&new_language=%FF",
    ):
        response = browser.client.post(f"/s/{SLUG}/en/p/about", data=body,
                                        content_type="application/x-www-form-urlencoded")
        server_ok(response, repr(body))
        assert response.status_code in (302, 422)
    # Raw invalid bytes in a urlencoded body (no browser sends those): the form cannot be read,
    # so it is refused like any form without its CSRF token; nothing is stored.
    body = b"csrf_token=" + token.encode() + b"&action=next&district=nord&comments=\xff\xfe\xc3\x28"
    response = browser.client.post(f"/s/{SLUG}/en/p/about", data=body, content_type="application/x-www-form-urlencoded")
    server_ok(response, "raw bytes")
    assert response.status_code == 400 and "could not be sent" in response.get_data(as_text=True)
    # In a multipart body the same bytes are replaced, the rest of the form is read.
    response = browser.client.post(f"/s/{SLUG}/en/p/about", content_type="multipart/form-data", data={
        "csrf_token": browser.csrf(), "action": "next", "district": (io.BytesIO(b"\xff\xfe"), ""), "age_band": "28_44"})
    server_ok(response, "multipart with invalid UTF-8")
    response = browser.client.post(f"/s/{SLUG}/en/resume", data=b"csrf_token=" + token.encode() + b"&code=%FF%C0%FE",
                                   content_type="application/x-www-form-urlencoded")
    server_ok(response, "resume with invalid UTF-8")
    assert response.status_code == 422


def test_nul_anywhere_is_refused_with_a_message_and_control_characters_in_a_choice_are_invalid(browser, db):
    start(browser)
    page = browser.html
    browser.post(data={"action": "next", "district": "nord\x00", "age_band": "28_44", "housing_type": "own_flat",
                       "household_children": "no", "arrival_year": "20\x0020"})
    server_ok(browser, "nul in choice")
    assert browser.status == 400 and "(U+0000)" in browser.html
    assert db.scalars(select(Draft)).all() == [], "nothing of that form is stored"
    browser.html = page
    browser.post(data={"action": "next", "district": "nord\x1b", "age_band": "28_44", "housing_type": "own_flat",
                       "household_children": "no", "arrival_year": "20\x0b20"})
    server_ok(browser, "control characters in choice")
    assert browser.status == 422 and 'href="#q-district"' in browser.html and 'href="#q-arrival_year"' in browser.html


# --- staff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_login_form_takes_payloads(name, app, db, db_session_factory):
    payload = PAYLOADS[name]
    staff = Staff(app)
    response = staff.post("/staff/login", {"email": payload, "password": payload, "next": payload})
    server_ok(response, "login")
    assert response.status_code in (400, 401, 413)
    if response.status_code == 401:
        page = response.get_data(as_text=True)
        assert "E-mail address or password is wrong." in page
        assert_escaped(page, payload)
    if "\x00" in payload:
        assert response.status_code == 400 and "(U+0000)" in response.get_data(as_text=True)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert all("\x00" not in event.actor for event in events)


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_user_creation_takes_payloads(name, app, db, db_session_factory):
    payload = PAYLOADS[name]
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    for form in ({"email": payload, "roles": ["analyst"]}, {"email": f"{payload}@musterstadt.example", "roles": ["analyst"]},
                 {"email": "ok@musterstadt.example", "roles": [payload]}):
        response = admin.post("/staff/users", form)
        server_ok(response, f"create user {form}")
        assert response.status_code in (200, 400, 413, 422)
        assert_escaped(response.get_data(as_text=True), payload)
    for user in db.scalars(select(StaffUser)):
        assert "\x00" not in user.email
    listing = admin.get("/staff/users")
    server_ok(listing, "user list")
    assert_escaped(listing.get_data(as_text=True), payload)
    audit_page = admin.get("/staff/audit")
    server_ok(audit_page, "audit log")
    assert_escaped(audit_page.get_data(as_text=True), payload)
    response = admin.post("/staff/users/1", {"action": payload, "roles": [payload]})
    server_ok(response, "update user")


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_channel_codes_take_payloads(name, app, db, db_session_factory, bundled):
    payload = PAYLOADS[name]
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    response = designer.post(f"/staff/q/{SLUG}/distribute", {"code": payload, "description": "x"})
    server_ok(response, "channel code")
    valid_code = re.fullmatch(r"[a-z0-9-]{1,16}", payload.strip().lower()) is not None  # "nan", "1e309"
    assert response.status_code in ((302,) if valid_code else (400, 413, 422))
    response = designer.post(f"/staff/q/{SLUG}/distribute", {"code": "flyer-1", "description": payload})
    server_ok(response, "channel description")
    assert response.status_code in (302, 400, 413)
    page = designer.get(f"/staff/q/{SLUG}/distribute")
    server_ok(page, "distribution page")
    assert_escaped(page.get_data(as_text=True), payload)
    for channel in db.scalars(select(Channel)):
        assert "\x00" not in channel.description and len(channel.description) <= 200
    for path in (f"/staff/q/{SLUG}/qr.svg", f"/staff/q/{SLUG}/flyer", f"/staff/q/{SLUG}/qr.png"):
        server_ok(designer.get(path, query_string={"c": payload, "lang": payload}), path)


Q = f"/staff/q/{EDITOR_SLUG}"
# Every editor form and the other staff forms, with the payload in every field (and, where a
# valid code is needed to get past the first check, in the texts only).
EDITOR_FORMS = [
    ("/staff/questionnaires/new", lambda p: {"slug": p, "title": p, "default_language": p, "languages": [p],
                                             "section_title": p, "welcome": p}),
    ("/staff/questionnaires/new", lambda p: {"slug": "hostile-new", "title": p, "default_language": "de", "languages": ["en"],
                                             "section_title": p, "welcome": p}),
    (f"{Q}/edit/s/about", lambda p: {"code": "about", "title.de": p, "title.en": p, "intro.de": p, "field": p}),
    (f"{Q}/edit/s/about", lambda p: {"code": p, "title.de": "Über Sie"}),
    (f"{Q}/edit/q/comments", lambda p: {"code": "comments", "type": "long_text", "label.de": p, "label.en": p,
                                        "hint.de": p, "max_length": p}),
    (f"{Q}/edit/q/household_size", lambda p: {"code": "household_size", "type": "number", "label.de": p,
                                              "min": p, "max": p}),
    (f"{Q}/edit/q/district", lambda p: {"code": "district", "type": p, "label.de": p}),
    (f"{Q}/edit/s/about/new-question", lambda p: {"code": p, "type": "single_choice", "label.de": p,
                                                  "options[0].code": p, "options[0].label.de": p,
                                                  "options[1].code": "b", "options[1].label.de": p}),
    (f"{Q}/edit/s/about/new-question", lambda p: {"code": "hostile_q", "type": "text", "label.de": p,
                                                  "label.en": p, "max_length": "100"}),
    (f"{Q}/edit/settings", lambda p: {"title.de": p, "intro.de": p, "default_language": p, "offered.de": "y"}),
    (f"{Q}/edit/districts", lambda p: {"options[0].code": p, "options[0].label.de": p}),
    (f"{Q}/edit/move", lambda p: {"kind": p, "code": p, "direction": p}),
    (f"{Q}/edit/q/urgency/condition", lambda p: {"action": "add", "question": p, "operator": p, "values": [p]}),
    (f"{Q}/edit/q/urgency/condition", lambda p: {"action": "add", "question": "household_children",
                                                 "operator": "is", "values": [p], "combinator": p}),
    (f"{Q}/edit/q/comments/condition", lambda p: {"action": "add", "question": "household_size",
                                                  "operator": "gt", "values": [p]}),
    (f"{Q}/edit/q/urgency/condition", lambda p: {"action": "remove_rule", "rule": p}),
    (f"{Q}/v/1/preview/en/p/about", lambda p: {"action": "next", "district": p, "household_size": p, "comments": p}),
    (f"{Q}/interview", lambda p: {"lang": p}),
    (f"{Q}/close", lambda p: {"closed": p}),
    (f"{Q}/v/1/publish", lambda p: {"with_fallback": p}),
    ("/staff/password", lambda p: {"current": p, "new": p, "repeat": p}),
]


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_editor_and_other_staff_forms_take_payloads(name, app, db, db_session_factory):
    payload = PAYLOADS[name]
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer", "analyst")
    assert upload(designer, "hostile-editor.yaml", EDITOR_YAML.encode()).status_code == 302
    for url, make in EDITOR_FORMS:
        response = designer.post(url, make(payload))
        server_ok(response, url)
        assert_escaped(response.get_data(as_text=True), payload)
        if response.status_code == 302:
            follow = designer.get(response.headers["Location"])
            server_ok(follow, f"after {url}")
            assert_escaped(follow.get_data(as_text=True), payload)
    # Whatever was stored shows escaped on every page that shows questionnaire texts.
    for url in ("/staff/questionnaires", Q, f"{Q}/edit", f"{Q}/edit/q/comments", f"{Q}/edit/q/urgency/condition",
                f"{Q}/translations", f"{Q}/distribute", "/staff/"):
        page = designer.get(url)
        server_ok(page, url)
        assert_escaped(page.get_data(as_text=True), payload)
    if name in HTML_PAYLOADS:  # markup is text like any other: stored, and shown as text
        assert str(escape(payload)) in designer.get(f"{Q}/edit/q/hostile_q").get_data(as_text=True)
    for version in (1, 2):
        for fmt in ("yaml", "xlsx"):
            server_ok(designer.get(f"{Q}/v/{version}/download.{fmt}"), f"download v{version} {fmt}")
        server_ok(designer.get(f"{Q}/v/{version}/preview/en/"), "preview")
        server_ok(designer.get(f"{Q}/v/{version}/preview/en/p/about"), "preview page")


# --- uploads -------------------------------------------------------------------------------------


def upload(designer: Staff, name: str, raw: bytes) -> Any:
    return designer.post("/staff/questionnaires/upload", {"file": (io.BytesIO(raw), name)},
                         content_type="multipart/form-data")


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_yaml_upload_with_payloads_in_every_text(name, app, db, db_session_factory):
    payload = PAYLOADS[name]
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    n = list(PAYLOADS).index(name)
    raw = YAML_TEMPLATE.format(n=n, text=yaml_quoted(payload)).encode("utf-8")
    response = upload(designer, f"{payload[:40]}.yaml", raw)
    server_ok(response, "yaml upload")
    assert response.status_code in (302, 400, 413, 422)
    page = response.get_data(as_text=True)
    assert_escaped(page, payload)
    if response.status_code == 422:
        assert 'class="problems"' in page or "error" in page
        return
    if response.status_code != 302:
        return
    slug = f"hostile-{n}"
    for url in (f"/staff/q/{slug}", "/staff/questionnaires", f"/staff/q/{slug}/edit", f"/staff/q/{slug}/edit/q/q",
                f"/staff/q/{slug}/translations", f"/staff/q/{slug}/v/1/preview/en/", f"/staff/q/{slug}/v/1/preview/en/p/s",
                f"/staff/q/{slug}/v/1/download.xlsx", f"/staff/q/{slug}/v/1/download.yaml", f"/staff/q/{slug}/translations/en.xlsx",
                f"/staff/q/{slug}/translations/en.po"):
        shown = designer.get(url)
        server_ok(shown, url)
        if shown.mimetype == "text/html":
            assert_escaped(shown.get_data(as_text=True), payload)
    # Published, the respondent pages show the texts escaped too.
    server_ok(designer.post(f"/staff/q/{slug}/v/1/publish", {"with_fallback": "yes"}), "publish")
    respondent = Browser(app.test_client())
    respondent.get(f"/s/{slug}/")
    server_ok(respondent, "language page")
    assert_escaped(respondent.html, payload)
    respondent.get(f"/s/{slug}/de/")
    server_ok(respondent, "intro")
    respondent.post(f"/s/{slug}/de/start")
    server_ok(respondent, "first page")
    assert_escaped(respondent.html, payload)


@pytest.mark.parametrize("filename,raw", hostile_yaml_documents(), ids=lambda value: str(value)[:20])
def test_hostile_yaml_files_are_refused_with_a_message(filename, raw, app, db_session_factory):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    response = upload(designer, filename, raw)
    server_ok(response, filename)
    assert response.status_code in (413, 422), response.status_code
    page = response.get_data(as_text=True)
    assert "pwned" not in page
    if response.status_code == 422:
        assert any(len(text) >= 10 for _place, text in problem_items(page)), page[:2000]


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_xlsform_upload_with_payloads_in_cells(name, app, db, db_session_factory):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    payload = ILLEGAL_CHARACTERS_RE.sub("", PAYLOADS[name])  # openpyxl cannot even write those
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    for cells in ({"label": payload, "hint": payload, "title": payload, "group": payload},
                  {"name": payload, "choice": payload, "form_id": payload},
                  {"relevant": payload, "constraint": payload}):
        response = upload(designer, "hostile.xlsx", xlsform_bytes(cells))
        server_ok(response, f"xlsform {list(cells)}")
        assert response.status_code in (302, 413, 422)
        assert_escaped(response.get_data(as_text=True), payload)
        if response.status_code == 302:
            detail = designer.get(response.headers["Location"])
            server_ok(detail, "questionnaire page")
            assert_escaped(detail.get_data(as_text=True), payload)


def test_corrupt_and_tricky_xlsx_files_are_refused(app, db_session_factory):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    good = xlsform_bytes({})
    files = [(f"{name}.xlsx" if name != "old-xls" else "old.xls", raw) for name, raw in zip_variants(good).items()]
    files += [("\x00evil.xlsx", good), ("<script>.xlsx", b"not a zip"), ("huge.yaml", b"# " + b"x" * (6 * 1024 * 1024))]
    for filename, raw in files:
        response = upload(designer, filename, raw)
        server_ok(response, filename)
        assert response.status_code in (302, 400, 413, 422), (filename, response.status_code)
        assert_escaped(response.get_data(as_text=True), filename)
        assert_not_unpacked(response.get_data(as_text=True))
