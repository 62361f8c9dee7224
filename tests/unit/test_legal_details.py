"""The legal details' rules and the logo check, without a database (issue 17)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from survey.files import MAX_LOGO_BYTES, LogoRefused, checked_logo
from survey.store.legal_details import DEFAULT_SUPERVISORY_AUTHORITY, REQUIRED, LegalDetails, parse


def test_nothing_entered_misses_everything_but_the_nrw_authority():
    assert LegalDetails().supervisory_authority == DEFAULT_SUPERVISORY_AUTHORITY
    assert LegalDetails().missing() == [name for name in REQUIRED if name != "supervisory_authority"]


def test_another_legal_basis_needs_its_text():
    details = LegalDetails(legal_basis="other")
    assert "legal_basis_text" in details.missing()
    assert "legal_basis_text" not in LegalDetails(legal_basis="consent").missing()
    assert "Art. 9 Abs. 2 lit. a DSGVO" in LegalDetails(legal_basis="consent").legal_basis_wording


def test_parse_cleans_lines_and_names_each_problem_at_its_field():
    details, problems = parse({"municipality_name": "  Stadt \n Musterstadt ", "office_address": "Musterstraße 1\r\n12345 Musterstadt\r\n",
                               "office_email": "nobody", "dpo_email": "datenschutz@example.org", "legal_basis": "whim",
                               "legal_notice": "x" * 5001})
    assert details.municipality_name == "Stadt Musterstadt"
    assert details.office_address == "Musterstraße 1\n12345 Musterstadt"
    assert sorted((p.code, p.where.field) for p in problems) == [
        ("not_an_email", "office_email"), ("too_long", "legal_notice"), ("unknown_legal_basis", "legal_basis")]


def _image(kind: str, size: tuple[int, int] = (30, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 90, 160)).save(out, format=kind)
    return out.getvalue()


def test_png_and_jpeg_are_encoded_anew_without_what_was_appended():
    png, media_type = checked_logo(_image("PNG") + b"<script>")
    assert media_type == "image/png" and b"<script>" not in png
    jpeg, media_type = checked_logo(_image("JPEG"))
    assert media_type == "image/jpeg" and jpeg.startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize(("raw", "code"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo_not_png_or_jpeg"),
    (_image("GIF"), "logo_not_png_or_jpeg"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "logo_damaged"),
    (_image("PNG")[:60], "logo_damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_LOGO_BYTES, "logo_too_large"),
    (_image("PNG", (2400, 10)), "logo_too_wide"),
])
def test_anything_else_is_refused_with_a_reason(raw, code):
    with pytest.raises(LogoRefused) as refused:
        checked_logo(raw)
    assert refused.value.problem.code == code


def test_a_truncated_logo_is_refused_even_where_pillow_was_told_to_accept_truncated_images(monkeypatch):
    """WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES when the PDF report is first made."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(LogoRefused) as refused:
        checked_logo(_image("PNG")[:60])
    assert refused.value.problems[0].code == "logo_damaged"
