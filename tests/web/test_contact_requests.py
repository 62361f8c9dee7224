""""A counsellor may contact me": validation, stored apart and unlinkable, counsellors only,
deletion of handled requests."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from survey.store.models import AuditEvent, ContactRequest, Response
from tests.conftest import Browser
from tests.staff_helpers import logged_in

VALID = {"name": "Amina K.", "phone": "0151 ٢٣٤٥٦٧٨", "email": "", "language": "ar",
         "fields": ["housing", "legal"], "message": "بعد الظهر من فضلك", "consent": "yes"}


def send(app, data, lang="ar"):
    browser = Browser(app.test_client())
    browser.get(f"/contact/{lang}/")
    return browser.post(data=data)


def test_the_form_is_reachable_in_the_browser_language_and_explains_who_sees_it(app):
    client = app.test_client()
    assert client.get("/contact/", headers={"Accept-Language": "fa"}).headers["Location"] == "/contact/fa/"
    html = client.get("/contact/en/?field=health").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert 'name="csrf_token"' in html and 'type="checkbox" id="consent" name="consent" value="yes"' in html
    assert "stored apart from the survey answers" in html and "deleted after 90 days" in html
    assert 'id="fields-health" value="health" checked' in html
    assert 'value="en" lang="en" selected' in html  # the page language is the default contact language


def test_valid_request_is_stored_with_the_week_only(app, db):
    browser = send(app, VALID)
    assert browser.url == "/contact/ar/sent" and browser.status == 200
    stored = db.scalars(select(ContactRequest)).all()
    assert len(stored) == 1
    request = stored[0]
    assert (request.name, request.phone, request.language, request.fields) == ("Amina K.", "0151 ٢٣٤٥٦٧٨", "ar", ["housing", "legal"])
    today = dt.date.today()
    assert request.week_of == today - dt.timedelta(days=today.weekday()) and request.week_of.weekday() == 0
    assert request.handled_on is None


def test_a_request_sent_after_a_survey_is_not_linked_to_the_response(app, db, browser):
    from tests.web.test_thank_you_offers import PAGES, answer_all
    answer_all(browser, "de", PAGES)
    browser.get("/contact/de/")
    browser.post(data={**VALID, "language": "de"})
    assert browser.url == "/contact/de/sent"
    with browser.client.session_transaction() as cookie:
        assert not any("contact" in key for key in cookie)  # nothing about the request in the session
    response = db.scalar(select(Response))
    request = db.scalar(select(ContactRequest))
    assert response is not None and request is not None
    assert request.week_of.weekday() == 0 and not hasattr(request, "response_id")


def test_validation_names_every_problem_and_keeps_what_was_typed(app, db):
    browser = send(app, {"name": "", "phone": "", "email": "", "language": "xx", "message": "<b>hi</b>",
                         "fields": ["atlantis"]}, lang="en")
    assert browser.status == 422
    html = browser.html
    assert 'class="error-summary"' in html
    for anchor in ("#name", "#phone", "#language", "#fields-language", "#consent"):
        assert f'href="{anchor}"' in html
    assert "Please enter a phone number or an e-mail address" in html
    assert 'aria-describedby="name-error" aria-invalid="true"' in html
    assert "&lt;b&gt;hi&lt;/b&gt;</textarea>" in html  # kept, escaped
    assert db.scalar(select(func.count(ContactRequest.id))) == 0


def test_bad_phone_and_email_and_missing_consent(app, db):
    browser = send(app, {**VALID, "phone": "call me", "email": "not-an-address", "consent": ""}, lang="en")
    assert browser.status == 422
    assert "Please enter a phone number with digits only" in browser.html
    assert "Please enter an e-mail address like name@example.org." in browser.html
    assert "Please tick the box to agree" in browser.html
    assert db.scalar(select(func.count(ContactRequest.id))) == 0
    assert send(app, {**VALID, "phone": "", "email": "a@b.example"}).url == "/contact/ar/sent"


def test_without_csrf_token_nothing_is_stored(app, db):
    response = app.test_client().post("/contact/en/", data=VALID)
    assert response.status_code == 400
    assert db.scalar(select(func.count(ContactRequest.id))) == 0


def _request(db_session_factory, **fields):
    with db_session_factory() as session:
        item = ContactRequest(week_of=dt.date(2026, 11, 16), name="Secret Person", phone="0151 999", email="",
                              language="uk", fields=["health"], message="", **fields)
        session.add(item)
        session.commit()
        return item.id


def test_only_counsellors_see_and_handle_requests(app, db_session_factory, db):
    number = _request(db_session_factory)
    for role in ("admin", "designer", "analyst"):
        other = logged_in(app, db_session_factory, f"{role}@stadt.example", role)
        assert other.get("/staff/contacts").status_code == 403
        assert other.post(f"/staff/contacts/{number}", {"action": "delete"}).status_code == 403
    counsellor = logged_in(app, db_session_factory, "beratung@stadt.example", "counsellor", "admin")
    page = counsellor.get("/staff/contacts").get_data(as_text=True)
    assert "Secret Person" in page and "0151 999" in page and "Health, including mental health" in page
    assert counsellor.post(f"/staff/contacts/{number}", {"action": "handled"}).status_code == 302
    db.expire_all()
    item = db.get(ContactRequest, number)
    assert item.handled_on == dt.date.today() and item.handled_by == "beratung@stadt.example"
    assert counsellor.post(f"/staff/contacts/{number}", {"action": "delete"}).status_code == 302
    db.expire_all()
    assert db.get(ContactRequest, number) is None
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("contact_request%")).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target) for e in events] == [("contact_request_handled", f"contact-request:{number}"),
                                                      ("contact_request_deleted", f"contact-request:{number}")]
    assert all("Secret" not in repr(e.detail) and "0151" not in repr(e.detail) for e in events)
    assert counsellor.post("/staff/contacts/999999", {"action": "delete"}).status_code == 404


def test_cli_deletes_handled_requests(app, db_session_factory, db):
    _request(db_session_factory, handled_on=dt.date.today() - dt.timedelta(days=100), handled_by="x")
    _request(db_session_factory, handled_on=dt.date.today() - dt.timedelta(days=3), handled_by="x")
    app.config["CONTACT_RETENTION_DAYS"] = 30
    result = app.test_cli_runner().invoke(args=["delete-handled-contacts"], catch_exceptions=False)
    assert "1 handled contact requests deleted" in result.output
    assert db.scalar(select(func.count(ContactRequest.id))) == 1


def test_a_handled_request_past_its_retention_is_not_shown_before_the_clean_up_ran(app, db_session_factory, db):
    app.config["CONTACT_RETENTION_DAYS"] = 30
    _request(db_session_factory, handled_on=dt.date.today() - dt.timedelta(days=3), handled_by="x")
    expired = _request(db_session_factory, handled_on=dt.date.today() - dt.timedelta(days=45), handled_by="x")
    db.execute(update(ContactRequest).where(ContactRequest.id == expired).values(name="Expired Person"))
    db.commit()
    counsellor = logged_in(app, db_session_factory, "beratung@stadt.example", "counsellor")
    page = counsellor.get("/staff/contacts").get_data(as_text=True)
    assert "Secret Person" in page and "Expired Person" not in page
    assert counsellor.post(f"/staff/contacts/{expired}", {"action": "handled"}).status_code == 404
    assert db.scalar(select(func.count(ContactRequest.id))) == 2  # still stored until the clean-up deletes it
