"""The city behind the survey (issue 17): admins enter the legal details, every change is
audited, the logo is checked and served anew, and publishing waits until the details are there."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import delete, select

from survey.store import legal_details
from survey.store.models import AuditEvent, LegalDetailsRow, QuestionnaireVersion
from tests.staff_helpers import logged_in
from tests.web.test_staff_questionnaires import SMALL, upload

FORM = {
    "municipality_name": "Stadt Beispielhausen",
    "office_name": "Amt für Integration",
    "office_address": "Beispielweg 7\r\n54321 Beispielhausen",
    "office_email": "integration@example.org",
    "office_phone": "",
    "dpo_contact": "",
    "dpo_email": "datenschutz@example.org",
    "legal_basis": "public_task",
    "legal_basis_text": "",
    "answer_retention": "",
    "supervisory_authority": legal_details.DEFAULT_SUPERVISORY_AUTHORITY,
    "legal_notice": "Stadt Beispielhausen\nvertreten durch den Bürgermeister",
}


def _empty(db) -> None:
    db.execute(delete(LegalDetailsRow))
    db.commit()


def _png(size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_an_admin_enters_the_details_sees_them_and_the_change_is_audited(app, db_session_factory, db):
    _empty(db)
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    page = admin.get("/staff/legal").get_data(as_text=True)
    # The empty state says what publishing still needs, with the NRW authority already suggested.
    assert "Before a questionnaire can be published" in page
    assert 'href="#f-municipality_name"' in page and 'href="#f-legal_notice"' in page
    assert "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)</textarea>" in page

    response = admin.post("/staff/legal", FORM)
    assert response.status_code == 302
    page = admin.get("/staff/legal").get_data(as_text=True)
    assert 'value="Stadt Beispielhausen"' in page
    assert "Beispielweg 7\n54321 Beispielhausen</textarea>" in page
    assert "Before a questionnaire can be published" not in page
    assert legal_details.current(db).municipality_name == "Stadt Beispielhausen"

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "legal_details_changed")).one()
    assert event.actor == "admin@musterstadt.example"
    assert set(event.detail["fields"]) >= {"municipality_name", "office_address", "legal_notice"}
    assert "supervisory_authority" not in event.detail["fields"]  # it was the default already

    # Saving the same again changes nothing and records nothing.
    admin.post("/staff/legal", FORM)
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.action == "legal_details_changed")).all()) == 1


def test_wrong_values_are_named_at_their_field_and_nothing_is_saved(app, db_session_factory, db):
    _empty(db)
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    response = admin.post("/staff/legal", {**FORM, "office_email": "not an address", "legal_basis": "because"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-office_email-error"' in page and "is not an e-mail address" in page
    assert 'id="f-legal_basis-error"' in page
    assert legal_details.current(db) == legal_details.LegalDetails()


def test_only_admins_see_or_change_the_details(app, db_session_factory, db):
    for role in ("designer", "analyst", "counsellor"):
        staff = logged_in(app, db_session_factory, f"{role}@musterstadt.example", role)
        assert staff.get("/staff/legal").status_code == 403
        assert staff.post("/staff/legal", FORM).status_code == 403
        assert staff.post("/staff/legal/logo", {"action": "remove"}).status_code == 403
    assert legal_details.current(db).municipality_name == "Stadt Musterstadt"  # the fixture's, untouched


def test_publishing_is_refused_until_the_mandatory_details_are_filled(app, db_session_factory, db):
    _empty(db)
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    assert upload(designer, SMALL).status_code == 302
    detail = designer.get("/staff/q/kurz").get_data(as_text=True)
    assert "only be published once the city&#39;s legal details are complete" in detail

    refused = designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"}, follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert "only be published once the city&#39;s legal details are complete" in page
    assert "Name of the municipality" in page and "Legal notice (Impressum)" in page
    assert "Supervisory authority" not in page.split("Still missing")[1].split("</p>")[0]  # the default counts
    assert db.scalar(select(QuestionnaireVersion.status)) == "draft"

    # German for German staff.
    designer.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    german = designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"}, follow_redirects=True).get_data(as_text=True)
    assert "Name der Kommune" in german and "rechtlichen Angaben der Kommune vollständig" in german

    # Partly filled: still refused, naming only what is missing.
    legal_details.save(db, legal_details.LegalDetails(**{**FORM, "office_address": FORM["office_address"].replace("\r", ""),
                                                          "legal_notice": ""}))
    db.commit()
    designer.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"}, follow_redirects=True).get_data(as_text=True)
    missing = page.split("Still missing: ")[1].split(". An admin")[0]
    assert missing == "Legal notice (Impressum)"
    assert db.scalar(select(QuestionnaireVersion.status)) == "draft"

    legal_details.save(db, legal_details.LegalDetails(**{**FORM, "office_address": "Beispielweg 7"}))
    db.commit()
    assert designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"}).status_code == 302
    assert db.scalar(select(QuestionnaireVersion.status)) == "published"


def test_a_logo_is_checked_encoded_anew_served_and_audited(app, db_session_factory, db):
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    client = app.test_client()
    assert client.get("/s/logo.png").status_code == 404

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = admin.post("/staff/legal/logo", {"logo": (io.BytesIO(svg), "logo.svg")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "PNG or JPEG" in refused.get_data(as_text=True)
    # A PNG header in front of something else is no PNG.
    fake = b"\x89PNG\r\n\x1a\n" + svg
    refused = admin.post("/staff/legal/logo", {"logo": (io.BytesIO(fake), "logo.png")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "cannot be read as an image" in refused.get_data(as_text=True)
    assert legal_details.logo(db) is None

    # A real PNG with a script appended: only the pixels are kept.
    upload_bytes = _png() + b"<script>alert(1)</script>"
    saved = admin.post("/staff/legal/logo", {"logo": (io.BytesIO(upload_bytes), "logo.png")}, content_type="multipart/form-data")
    assert saved.status_code == 302
    served = client.get("/s/logo.png")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert b"script" not in served.data
    assert Image.open(io.BytesIO(served.data)).size == (40, 20)
    assert client.get("/s/logo.jpg").status_code == 404
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "legal_logo_changed")).one().detail["media_type"] == "image/png"

    assert admin.post("/staff/legal/logo", {"action": "remove"}).status_code == 302
    assert client.get("/s/logo.png").status_code == 404
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "legal_logo_removed")).one()
