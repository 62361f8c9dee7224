"""The council report: method, n, sections per field and district; open text only when asked
for, and then escaped."""

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
