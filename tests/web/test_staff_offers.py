"""Staff pages of the offer inventory and the districts/fields admin page: roles, forms, import,
export, the staleness flag, and the audit log."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from survey.store.models import AuditEvent, Offer
from survey.store.sample import load_sample
from tests.staff_helpers import logged_in


@pytest.fixture()
def sample(db_session_factory):
    with db_session_factory() as session:
        load_sample(session)
        session.commit()


@pytest.fixture()
def designer(app, db_session_factory):
    return logged_in(app, db_session_factory, "designer@musterstadt.example", "designer")


def actions(db) -> list[str]:
    db.expire_all()
    return [event.action for event in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_only_designers_reach_the_offer_pages(app, db_session_factory, sample):
    analyst = logged_in(app, db_session_factory, "analyst@musterstadt.example", "analyst")
    for url in ("/staff/offers", "/staff/offers/new", "/staff/offers/review", "/staff/offers/import", "/staff/offers/export.csv"):
        assert analyst.get(url).status_code == 403, url
    assert analyst.get("/staff/municipality").status_code == 403


def test_the_list_filters_and_flags_stale_offers_in_text(designer, sample):
    page = designer.get("/staff/offers").get_data(as_text=True)
    assert "30 offers" in page and "Check needed: not verified for 12 months" in page
    assert 'href="/staff/offers"' in designer.get("/staff/").get_data(as_text=True)  # in the navigation
    stale = designer.get("/staff/offers?stale=yes").get_data(as_text=True)
    fresh = designer.get("/staff/offers?stale=no").get_data(as_text=True)
    assert "Mietrechtsberatung" in stale and "Mietrechtsberatung" not in fresh
    housing_west = designer.get("/staff/offers?field=housing&district=west").get_data(as_text=True)
    assert "0 offers" in housing_west
    ukrainian = designer.get("/staff/offers?language=uk").get_data(as_text=True)
    assert "Beratung für Geflüchtete aus der Ukraine" in ukrainian and "Asylverfahrensberatung" not in ukrainian


def test_create_edit_verify_archive_are_audited(designer, db, sample):
    form = {"provider_name": "Neuer Träger e.V.", "provider_kind": "mso", "title_de": "Sprechstunde", "title_ar": "ساعة استشارة",
            "fields": ["legal"], "districts": ["ost"], "languages": ["ar"], "cost": "free", "website": "javascript:alert(1)",
            "last_verified_on": "2020-01-01"}
    refused = designer.post("/staff/offers/new", form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "https://" in html and 'href="#f-website"' in html
    assert 'value="Neuer Träger e.V."' in html and "ساعة استشارة" in html  # nothing typed is lost
    form["website"] = "https://www.example.org"
    created = designer.post("/staff/offers/new", form)
    assert created.status_code == 302
    offer = db.scalar(select(Offer).where(Offer.provider_name == "Neuer Träger e.V."))
    assert offer.title == {"de": "Sprechstunde", "ar": "ساعة استشارة"} and offer.source == "staff"
    page = designer.get(f"/staff/offers/{offer.id}").get_data(as_text=True)
    assert "Check needed" in page and 'lang="ar"' in page
    assert designer.post(f"/staff/offers/{offer.id}", {**form, "cost": "paid", "status": "published"}).status_code == 302
    assert designer.post(f"/staff/offers/{offer.id}/verify").status_code == 302
    assert designer.post(f"/staff/offers/{offer.id}/archive").status_code == 302
    db.expire_all()
    offer = db.get(Offer, offer.id)
    assert offer.cost == "paid" and offer.last_verified_on == dt.date.today() and offer.status == "archived"
    assert actions(db)[-4:] == ["offer_created", "offer_updated", "offer_verified", "offer_archived"]
    assert designer.get("/staff/offers/999999").status_code == 404


def test_import_with_errors_saves_nothing_and_export_round_trips(designer, db, sample):
    exported = designer.get("/staff/offers/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.startswith('\ufeff"id";"provider_name";"provider_kind";"title_de"')  # German Excel's dialect
    same = designer.post("/staff/offers/import", {"file": (io.BytesIO(text.encode("utf-8")), "offers.csv")},
                         content_type="multipart/form-data")
    assert same.status_code == 200 and "0 added, 0 updated, 30 unchanged" in same.get_data(as_text=True)
    lines = text.splitlines()
    broken = "\n".join([lines[0], lines[1].replace(';"free";', ';"gratis";'), lines[2].replace("@example.org", "")]) + "\n"
    changed_first = lines[1].replace(';"free";', ';"paid";')
    refused = designer.post("/staff/offers/import", {"file": (io.BytesIO((broken + changed_first).encode()), "offers.csv")},
                            content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nothing was imported" in html
    assert "Row 2, column cost" in html and "Row 3, column contact_email" in html
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Offer).where(Offer.cost == "paid")) == 0
    assert db.scalar(select(func.count()).select_from(Offer)) == 30
    assert "offers_exported" in actions(db) and "offers_imported" in actions(db)


def test_the_review_page_counts_pending_submissions(designer, db, sample):
    offer = db.scalar(select(Offer).order_by(Offer.id))
    offer.status = "pending"
    db.commit()
    listing = designer.get("/staff/offers").get_data(as_text=True)
    assert "Provider submissions to review: <strong>1</strong>" in listing
    assert offer.provider_name in designer.get("/staff/offers/review").get_data(as_text=True)
