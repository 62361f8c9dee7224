"""The council report: method, n, sections per field and district; open text only when asked
for, and then escaped. The PDF is the same HTML laid out by WeasyPrint."""

import os

import pytest

from survey.exports.report import render_report
from tests.staff_helpers import logged_in
from tests.test_aggregate import ANSWERS, store

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
WITH_TEXT = [dict(answers, remark=HOSTILE) if i == 0 else answers for i, answers in enumerate(ANSWERS)]


def test_report_holds_method_n_and_sections(db):
    store(db, WITH_TEXT)
    html = render_report(db, "mini-agg", 5, "de")
    assert '<html lang="de">' in html
    assert "Methode" in html and "Zeitraum" in html and "2026-10-05 bis 2026-10-05" in html
    assert '<dd class="n-total">20</dd>' in html
    assert "Ergebnisse nach Handlungsfeld" in html and "Ergebnisse nach Stadtteil" in html
    assert "Schimmel" in html and ">15<" in html  # housing field: problems
    assert "„.“" in html  # the suppression note
    assert "<style>" in html and "@media print" in html  # a file that stands alone
    assert "open-text" not in html and "alert" not in html


def test_english_report(db):
    store(db, ANSWERS)
    html = render_report(db, "mini-agg", 5, "en")
    assert '<html lang="en">' in html and "Method" in html and "Results by district" in html


def test_open_text_only_when_included_and_escaped(db):
    store(db, WITH_TEXT)
    html = render_report(db, "mini-agg", 5, "de", include_open_text=True)
    assert 'id="open-text"' in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>" not in html and "<b>bold" not in html


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


# --- PDF (WeasyPrint) -------------------------------------------------------------------------

def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _require_pdf():
    from survey.exports.report_pdf import pdf_available

    if not pdf_available():
        if os.environ.get("SURVEY_REQUIRE_PDF"):
            pytest.fail("PDF is required here (SURVEY_REQUIRE_PDF) but WeasyPrint/Pango cannot be loaded")
        pytest.skip("WeasyPrint or Pango is not installed")


def test_pdf_report_holds_the_same_numbers_on_a4_pages(db):
    _require_pdf()
    from pypdf import PdfReader
    import io

    from survey.exports.report_pdf import html_to_pdf

    store(db, WITH_TEXT)
    content = html_to_pdf(render_report(db, "mini-agg", 5, "de", include_open_text=True))
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points, from the print CSS
    text = _pdf_text(content)
    assert "Methode" in text and "2026-10-05 bis 2026-10-05" in text
    assert "Schimmel" in text and "Ergebnisse nach Stadtteil" in text
    assert '<script>alert("x")</script>' in text  # an open answer, shown as text, not run
    assert f"1 / {len(reader.pages)}" in text  # page numbers from the @page margin box


def test_pdf_never_loads_external_or_local_resources(tmp_path):
    _require_pdf()
    from survey.exports.report_pdf import html_to_pdf, no_fetching

    secret = tmp_path / "secret.css"
    secret.write_text("body::after{content:'LEAKED-FILE'}", encoding="utf-8")
    html = (f'<html><head><link rel="stylesheet" href="file://{secret}"></head>'
            '<body><p>Bericht</p><img src="http://127.0.0.1:9/x.png" alt="no image"></body></html>')
    text = _pdf_text(html_to_pdf(html))
    assert "Bericht" in text and "LEAKED-FILE" not in text
    for url in ("https://example.org/tracker.png", f"file://{secret}", "data:text/plain,x"):
        with pytest.raises(ValueError):
            no_fetching().fetch(url)


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
