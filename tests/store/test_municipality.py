"""Districts and integration fields: CSV/XLSX import with row-level errors, the admin page."""
from __future__ import annotations

import io

from openpyxl import Workbook

from survey.store import municipality
from survey.store.sample import SAMPLE_DIR


def test_the_sample_districts_import_and_reimport_unchanged(db):
    raw = (SAMPLE_DIR / "districts.csv").read_bytes()
    report = municipality.save_districts(db, municipality.parse_districts(raw, "districts.csv"))
    assert report.added == ("nord", "mitte", "sued", "ost", "west")
    again = municipality.save_districts(db, municipality.parse_districts(raw, "districts.csv"))
    assert again.added == () and len(again.unchanged) == 5


def test_fields_import_from_xlsx_with_labels_per_language(db):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "label_de", "label_en", "label_ar"])
    sheet.append(["language", "Sprache", "Language", "اللغة"])
    sheet.append(["mobility", "Mobilität", "Mobility", None])
    buffer = io.BytesIO()
    book.save(buffer)
    fields = municipality.parse_fields(buffer.getvalue(), "fields.xlsx")
    municipality.save_fields(db, fields)
    assert [f.code for f in municipality.list_fields(db)] == ["language", "mobility"]
    assert municipality.list_fields(db)[0].labels == {"de": "Sprache", "en": "Language", "ar": "اللغة"}
