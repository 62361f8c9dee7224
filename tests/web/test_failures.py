"""The database unavailable or locked, and requests too large: friendly pages in the visitor's
language, answers never lost, never a stack trace."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select

from survey.store.models import Draft, Response
from tests.staff_helpers import logged_in
from tests.web.test_rate_limit import complete_everything, page_form
from tests.web.test_respondent_flow import ABOUT, start_in

SLUG = "needs-assessment"


class Breaker:
    """``fail("UPDATE draft")`` makes every statement starting with that text fail as a locked or
    unreachable database does (with the driver's own OperationalError); ``fail("")``: every
    statement. ``repair()`` ends it."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.prefixes: list[str] = []

    def fail(self, prefix: str) -> None:
        self.prefixes.append(prefix.upper())

    def repair(self) -> None:
        self.prefixes.clear()

    def __call__(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        if any(statement.lstrip().upper().startswith(prefix) for prefix in self.prefixes):
            raise self.engine.dialect.loaded_dbapi.OperationalError("database is locked")


@pytest.fixture()
def database(engine) -> Iterator[Breaker]:
    breaker = Breaker(engine)
    event.listen(engine, "before_cursor_execute", breaker)
    yield breaker
    event.remove(engine, "before_cursor_execute", breaker)


def assert_friendly(html: str) -> None:
    assert "Traceback" not in html and "OperationalError" not in html and "database is locked" not in html
    assert "SELECT" not in html and "UPDATE" not in html and "INSERT" not in html


@pytest.mark.parametrize("failing", ["INSERT INTO draft", "UPDATE draft"])
def test_a_locked_database_while_saving_a_page_shows_the_page_again_with_the_answers(browser, db, database, failing):
    """The first answers create the draft (INSERT), later ones change it (UPDATE): either failing
    gives the page back, filled in."""
    start_in(browser, "ar")
    if failing == "UPDATE draft":
        browser.post(data={"action": "next", **ABOUT, "arrival_year": "2018"})
        browser.get(f"/s/{SLUG}/ar/p/about")
    database.fail(failing)
    response = browser.client.post(f"/s/{SLUG}/ar/p/about", data=page_form(browser, {**ABOUT, "arrival_year": "2019"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert_friendly(html)
    assert '<html lang="ar" dir="rtl">' in html and 'role="alert"' in html
    # Everything just entered is filled in again, ready to be sent once more.
    assert 'value="mitte" checked' in html and 'value="28_44" checked' in html
    assert 'value="2019"' in html
    assert f'action="/s/{SLUG}/ar/p/about"' in html
    stored = db.scalar(select(Draft))
    assert (stored.answers["arrival_year"] == 2018) if failing == "UPDATE draft" else stored is None  # nothing half-saved
    database.repair()
    browser._record(response)  # the re-rendered page is what the respondent sends again
    browser.post(data={"action": "next", **ABOUT, "arrival_year": "2019"})
    assert browser.url == f"/s/{SLUG}/ar/p/needs"
    db.expire_all()
    assert db.scalar(select(Draft)).answers["arrival_year"] == 2019


@pytest.mark.parametrize("failing", ["INSERT INTO response", "INSERT INTO rate_limit_bucket"])
def test_a_failed_submission_keeps_the_answers_and_can_be_sent_again(browser, db, database, failing):
    complete_everything(browser, "de")
    database.fail(failing)
    response = browser.client.post(f"/s/{SLUG}/de/submit", data={"csrf_token": browser.csrf()})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert_friendly(html)
    assert 'role="alert"' in html and f'action="/s/{SLUG}/de/submit"' in html
    assert db.scalar(select(func.count(Response.id))) == 0
    assert db.scalar(select(Draft)) is not None
    database.repair()
    browser.post(f"/s/{SLUG}/de/submit")
    assert browser.url == f"/s/{SLUG}/de/thanks"
    assert db.scalar(select(func.count(Response.id))) == 1


@pytest.mark.parametrize("failing", ["INSERT INTO draft", "INSERT INTO rate_limit_bucket"])
def test_a_failed_first_save_offers_the_page_again_and_stores_nothing(browser, db, database, failing):
    """Starting stores nothing; the first answers do (the draft and the count of new drafts)."""
    start_in(browser, "tr")
    database.fail(failing)
    response = browser.client.post(f"/s/{SLUG}/tr/p/about", data=page_form(browser, ABOUT))
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and '<html lang="tr"' in html
    assert_friendly(html)
    assert f'action="/s/{SLUG}/tr/p/about"' in html and 'value="mitte" checked' in html
    assert db.scalar(select(func.count(Draft.id))) == 0
    database.repair()
    browser._record(response)
    browser.post(data={"action": "next", **ABOUT})
    assert browser.url == f"/s/{SLUG}/tr/p/needs"
    assert db.scalar(select(func.count(Draft.id))) == 1


def test_a_database_down_on_any_respondent_page_gives_a_friendly_503_in_the_language(browser, database):
    start_in(browser, "uk")
    database.fail("")  # every statement fails
    for url in (f"/s/{SLUG}/uk/p/about", f"/s/{SLUG}/uk/review", f"/s/{SLUG}/uk/"):
        response = browser.client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"].isdigit()
        assert '<html lang="uk" dir="ltr">' in html and "<h1>" in html
        assert_friendly(html)


def test_the_resume_page_keeps_the_typed_code_when_the_database_fails(browser, database):
    browser.get(f"/s/{SLUG}/fa/resume")
    database.fail("SELECT draft")
    response = browser.client.post(f"/s/{SLUG}/fa/resume", data={"csrf_token": browser.csrf(), "code": "ABCD-7894"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and 'value="ABCD-7894"' in html and 'dir="rtl"' in html
    assert_friendly(html)


def test_staff_get_a_friendly_page_in_the_staff_language(app, db_session_factory, bundled, database):
    staff = logged_in(app, db_session_factory, "designer@musterstadt.example", "designer")
    staff.client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")  # German, the default
    database.fail("")
    response = staff.get("/staff/questionnaires")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert '<html lang="de"' in html and "Die Datenbank ist gerade nicht erreichbar" in html
    assert_friendly(html)


def test_other_database_errors_are_a_friendly_500_not_a_503(fresh_app):
    from sqlalchemy.exc import IntegrityError

    @fresh_app.get("/_integrity")
    def integrity():
        raise IntegrityError("INSERT INTO x", {}, Exception("duplicate key"))

    response = fresh_app.test_client().get("/_integrity")
    assert response.status_code == 500
    assert_friendly(response.get_data(as_text=True))


# --- too large --------------------------------------------------------------------------------


def test_a_too_large_respondent_post_gets_a_friendly_413_in_the_language(app, browser):
    start_in(browser, "ar")
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    response = browser.client.post(f"/s/{SLUG}/ar/p/about", data={
        "csrf_token": browser.csrf(), "action": "next", "arrival_year": "x" * 30_000})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<html lang="ar" dir="rtl">' in html and "<h1>" in html
    assert_friendly(html)


@pytest.mark.parametrize("language, text", [("en", "The upload is too large"), (None, "Die Datei ist zu groß")])
def test_a_too_large_staff_upload_gets_a_friendly_413_in_the_staff_language(app, db_session_factory, bundled, language, text):
    staff = logged_in(app, db_session_factory, "up@musterstadt.example", "designer")
    if language is None:
        staff.client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
    big = io.BytesIO(b"slug: x\n" + b"#" * (6 * 1024 * 1024))  # the upload page takes up to 5 MB
    response = staff.post("/staff/questionnaires/upload", data={"file": (big, "big.yaml")},
                          content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert text in html and re.search(r"\b5 MB\b", html)
    assert 'class="site staff"' in html  # the staff layout
    assert_friendly(html)


@pytest.mark.parametrize("path, field_limit_mb", [("/staff/questionnaires/upload", 5), ("/staff/offers/import", 5)])
def test_staff_uploads_take_the_size_their_page_names_while_other_posts_stay_small(
        app, db_session_factory, bundled, browser, path, field_limit_mb):
    """MAX_CONTENT_LENGTH (1 MB) guards every form; the upload pages promise more
    (survey/web/upload_limits.py). A file of 3 MB reaches the view; one just over the page's limit
    gets the view's own message; a respondent's page still refuses 1.5 MB."""
    staff = logged_in(app, db_session_factory, "big@musterstadt.example", "designer")
    three_mb = io.BytesIO(b"#" * (3 * 1024 * 1024))
    response = staff.post(path, data={"file": (three_mb, "three.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422, response.status_code  # read and judged by the view, not refused as too large
    just_over = io.BytesIO(b"#" * (field_limit_mb * 1024 * 1024 + 10))
    response = staff.post(path, data={"file": (just_over, "over.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and f"{field_limit_mb} MB" in response.get_data(as_text=True)
    start_in(browser, "en")
    response = browser.client.post(f"/s/{SLUG}/en/p/about", data={
        "csrf_token": browser.csrf(), "action": "next", "arrival_year": "x" * (1536 * 1024)})
    assert response.status_code == 413
