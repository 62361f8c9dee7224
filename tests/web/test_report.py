"""The council report: method, n, sections per field and district; open text only when asked
for, and then escaped. The PDF is the same HTML laid out by WeasyPrint."""
from tests.staff_helpers import logged_in
from tests.store.test_aggregate import store
from tests.unit.test_aggregate import ANSWERS
from tests.unit.test_report import _pdf_text, _require_pdf


def test_report_button_and_command(app, db_session_factory, tmp_path):
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    analyst = logged_in(app, db_session_factory, "ana@example.org", "analyst")
    page = analyst.get("/staff/q/mini-agg/results").get_data(as_text=True)
    assert "/staff/q/mini-agg/report" in page
    response = analyst.get("/staff/q/mini-agg/report?language=en")
    assert response.status_code == 200 and "Method" in response.get_data(as_text=True)
    assert '<link rel="stylesheet"' in response.get_data(as_text=True)  # no inline style under the CSP
    out = tmp_path / "report.html"
    result = app.test_cli_runner().invoke(args=["report", "mini-agg", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Methode" in out.read_text(encoding="utf-8")
    unknown = app.test_cli_runner().invoke(args=["report", "nope", "--out", str(out)])
    assert unknown.exit_code != 0 and "no questionnaire" in unknown.output


def test_pdf_from_the_staff_form_and_the_command(app, db_session_factory, tmp_path):
    _require_pdf()
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    analyst = logged_in(app, db_session_factory, "ana@example.org", "analyst")
    page = analyst.get("/staff/q/mini-agg/results").get_data(as_text=True)
    assert 'name="format" value="pdf"' in page and "disabled" not in page.split('value="pdf"')[1][:20]
    response = analyst.get("/staff/q/mini-agg/report?language=en&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"] and ".pdf" in response.headers["Content-Disposition"]
    assert "Method" in _pdf_text(response.data)
    out = tmp_path / "bericht.pdf"
    result = app.test_cli_runner().invoke(args=["report", "mini-agg", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and "Methode" in _pdf_text(out.read_bytes())
    with db_session_factory() as session:
        from survey.store.models import AuditEvent

        formats = [e.detail.get("format") for e in session.query(AuditEvent).filter_by(action="report")]
    assert formats.count("pdf") == 2


def test_without_pango_the_staff_gets_a_clear_page_and_the_html_still_works(app, db_session_factory, monkeypatch):
    import survey.exports.report_pdf as report_pdf

    def missing():
        raise report_pdf.PdfUnavailable(report_pdf.INSTALL_HINT)

    monkeypatch.setattr(report_pdf, "_weasyprint", missing)
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    analyst = logged_in(app, db_session_factory, "ana@example.org", "analyst")
    response = analyst.get("/staff/q/mini-agg/report?format=pdf")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Pango" in body and "Traceback" not in body
    assert analyst.get("/staff/q/mini-agg/report").status_code == 200
