"""The data protection officer's record of processing activities from the staff area: admins
only, as a web page and as PDF, quoting this installation's settings (issue 17)."""
from __future__ import annotations

from sqlalchemy import select

from survey.store.models import AuditEvent
from tests.staff_helpers import logged_in
from tests.unit.test_report import _pdf_text, _require_pdf


def test_admins_download_the_record_and_it_follows_the_settings(app, db_session_factory, db):
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    assert 'href="/staff/legal/processing-record.pdf"' in admin.get("/staff/legal").get_data(as_text=True)
    page = admin.get("/staff/legal/processing-record.html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "30 Tage nach dem letzten Speichern" in html and "Stadt Musterstadt" in html
    assert "<td><code>admin</code></td><td>" in html and '<td class="num">1</td>' in html
    app.config["DRAFT_RETENTION_DAYS"] = 7
    assert "7 Tage nach dem letzten Speichern" in admin.get("/staff/legal/processing-record.html").get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "processing_record")).all()


def test_the_record_as_pdf(app, db_session_factory):
    _require_pdf()
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    app.config["CONTACT_RETENTION_DAYS"] = 45
    response = admin.get("/staff/legal/processing-record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    words = " ".join(_pdf_text(response.data).split())
    assert "ENTWURF" in words and "45 Tage nach Erledigung" in words and "Stadt Musterstadt" in words


def test_only_admins_get_the_record(app, db_session_factory):
    for role in ("designer", "analyst", "counsellor"):
        staff = logged_in(app, db_session_factory, f"{role}@musterstadt.example", role)
        assert staff.get("/staff/legal/processing-record.html").status_code == 403
        assert staff.get("/staff/legal/processing-record.pdf").status_code == 403
