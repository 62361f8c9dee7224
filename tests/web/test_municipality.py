"""Districts and integration fields: CSV/XLSX import with row-level errors, the admin page."""
from __future__ import annotations

import io

from sqlalchemy import select

from survey.store.models import AuditEvent, District, IntegrationFieldRow, Offer
from survey.store.sample import SAMPLE_DIR
from tests.staff_helpers import logged_in


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
    labels = {"label_de": "Gesundheit", "label_en": "Health", "label_uk": "Здоров'я"}
    assert admin.post("/staff/municipality/fields/health", labels).status_code == 302
    row = db.scalar(select(IntegrationFieldRow).where(IntegrationFieldRow.code == "health"))
    assert row.labels == {"de": "Gesundheit", "en": "Health", "uk": "Здоров'я"}
    refused = admin.post("/staff/municipality/fields/health", {"label_de": "", "label_en": "Health"})
    assert refused.status_code == 422 and "German label" in refused.get_data(as_text=True)
    db.expire_all()
    events = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"districts_imported", "district_deleted", "field_labels_changed"} <= set(events)
    designer = logged_in(app, db_session_factory, "designer@musterstadt.example", "designer")
    assert designer.get("/staff/municipality").status_code == 403
