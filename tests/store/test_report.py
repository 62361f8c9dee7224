"""The council report: method, n, sections per field and district; open text only when asked
for, and then escaped. The PDF is the same HTML laid out by WeasyPrint."""
from survey.exports.report import render_report
from tests.store.test_aggregate import store
from tests.unit.test_aggregate import ANSWERS
from tests.unit.test_report import _pdf_text, _require_pdf

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


def test_pdf_report_holds_the_same_numbers_on_a4_pages(db):
    _require_pdf()
    import io

    from pypdf import PdfReader

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
