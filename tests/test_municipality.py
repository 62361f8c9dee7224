"""Districts and integration fields: CSV/XLSX import with row-level errors, the admin page."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from survey.store import municipality
from survey.store.models import AuditEvent, District, IntegrationFieldRow, Offer
from survey.store.sample import SAMPLE_DIR
from survey.files import TableImportError
from tests.staff_helpers import logged_in


def test_the_sample_districts_import_and_reimport_unchanged(db):
    raw = (SAMPLE_DIR / "districts.csv").read_bytes()
    report = municipality.save_districts(db, municipality.parse_districts(raw, "districts.csv"))
    assert report.added == ("nord", "mitte", "sued", "ost", "west")
    again = municipality.save_districts(db, municipality.parse_districts(raw, "districts.csv"))
    assert again.added == () and len(again.unchanged) == 5


def test_district_errors_name_row_and_column():
    raw = "code;name;parent\nnord;Nord;\nNord 2;;\nnord;Doppelt;\n".encode()
    with pytest.raises(TableImportError) as caught:
        municipality.parse_districts(raw, "districts.csv")
    found = {(p.where.row, p.where.column or None) for p in caught.value.problems}
    assert {(3, "code"), (3, "name"), (4, "code")} <= found
    assert "first in row 2" in str(caught.value)


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


def test_field_errors_name_row_and_column():
    with pytest.raises(TableImportError) as caught:
        municipality.parse_fields(b"code,label_de,label_xx\nwork,,Arbeit\n", "fields.csv")
    found = {(p.where.row, p.where.column or None) for p in caught.value.problems}
    assert {(1, "label_xx"), (2, "label_de")} <= found


def test_admin_page_imports_edits_and_deletes(app, db, db_session_factory):
    admin = logged_in(app, db_session_factory, "admin@musterstadt.example", "admin")
    bad = admin.post("/staff/municipality/districts", {"file": (io.BytesIO(b"code,name\nnord,\n"), "d.csv")},
                     content_type="multipart/form-data")
    assert bad.status_code == 422 and "Row 2, column name" in bad.get_data(as_text=True)
    assert db.scalar(select(District)) is None
    ok = admin.post("/staff/municipality/districts", {"file": (io.BytesIO((SAMPLE_DIR / "districts.csv").read_bytes()), "d.csv")},
                    content_type="multipart/form-data")
    assert ok.status_code == 302
    page = admin.get("/staff/municipality").get_data(as_text=True)
    assert "Musterstadt-Süd" in page and "Gesundheit (auch psychosozial)" in page
    db.add(Offer(provider_name="X", provider_kind="other", title={"de": "Y"}, fields=["work"], districts=["ost"]))
    db.commit()
    assert admin.post("/staff/municipality/districts/ost/delete").status_code == 302
    assert admin.post("/staff/municipality/districts/west/delete").status_code == 302
    db.expire_all()
    assert {d.code for d in db.scalars(select(District))} == {"nord", "mitte", "sued", "ost"}  # ost is in use
    assert admin.post("/staff/municipality/fields/health", {"label_de": "Gesundheit", "label_en": "Health", "label_uk": "Здоров'я"}).status_code == 302
    row = db.scalar(select(IntegrationFieldRow).where(IntegrationFieldRow.code == "health"))
    assert row.labels == {"de": "Gesundheit", "en": "Health", "uk": "Здоров'я"}
    refused = admin.post("/staff/municipality/fields/health", {"label_de": "", "label_en": "Health"})
    assert refused.status_code == 422 and "German label" in refused.get_data(as_text=True)
    db.expire_all()
    events = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"districts_imported", "district_deleted", "field_labels_changed"} <= set(events)
    designer = logged_in(app, db_session_factory, "designer@musterstadt.example", "designer")
    assert designer.get("/staff/municipality").status_code == 403
