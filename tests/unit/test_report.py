"""The council report: method, n, sections per field and district; open text only when asked
for, and then escaped. The PDF is the same HTML laid out by WeasyPrint."""
import os

import pytest

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
