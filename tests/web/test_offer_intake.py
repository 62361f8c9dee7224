"""Provider submissions: the offer_mapping in the questionnaire file, its round trips, a submitted
response becoming a pending offer, and staff approving or rejecting it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey.questionnaire import load_questionnaire_text
from survey.store import municipality
from survey.store.models import AuditEvent, Offer, Response
from survey.store.sample import SAMPLE_DIR
from tests.conftest import Browser
from tests.staff_helpers import logged_in
from tests.unit.test_offer_intake import PROVIDER


@pytest.fixture()
def provider_form(db_session_factory):
    from survey.store.questionnaires import import_questionnaire

    with db_session_factory() as session:
        import_questionnaire(session, load_questionnaire_text(PROVIDER, "anbieter.yaml"))
        municipality.save_districts(session, municipality.parse_districts((SAMPLE_DIR / "districts.csv").read_bytes(), "d.csv"))
        municipality.ensure_default_fields(session)
        session.commit()


def submit_as_provider(app, lang: str = "en") -> None:
    browser = Browser(app.test_client())
    browser.get(f"/s/anbieter/{lang}/")
    browser.post(f"/s/anbieter/{lang}/start")
    assert browser.url == f"/s/anbieter/{lang}/p/offer", browser.html[:300]
    browser.post(data={"action": "next", "org": "Beratungsstelle Beispielhaus e.V.", "what": "Language café",
                       "topics": ["language"], "where": ["nord"], "remote": ["phone"],
                       "contact": "angebot@example.org, 0000 000000-1"})
    assert browser.url == f"/s/anbieter/{lang}/review", browser.html[:500]
    browser.post(f"/s/anbieter/{lang}/submit")
    assert browser.url == f"/s/anbieter/{lang}/thanks"


def test_a_submitted_response_becomes_a_pending_offer(app, db, provider_form):
    submit_as_provider(app)
    offer = db.scalar(select(Offer))
    response = db.scalar(select(Response))
    assert offer.status == "pending" and offer.source == "questionnaire" and offer.source_response_id == response.id
    assert offer.provider_name == "Beratungsstelle Beispielhaus e.V." and offer.title == {"en": "Language café"}
    assert offer.fields == ["language"] and offer.districts == ["nord"] and offer.phone_advice and not offer.online
    assert offer.contact_email == "angebot@example.org" and offer.contact_phone == "0000 000000-1"
    assert response.answers["org"] == "Beratungsstelle Beispielhaus e.V."  # the answers stay as they were


def test_staff_review_approve_and_reject(app, db, db_session_factory, provider_form):
    submit_as_provider(app)
    submit_as_provider(app)
    first, second = db.scalars(select(Offer).order_by(Offer.id)).all()
    staff = logged_in(app, db_session_factory, "designer@musterstadt.example", "designer")
    review = staff.get("/staff/offers/review").get_data(as_text=True)
    assert "Beratungsstelle Beispielhaus e.V." in review and "1 thing to complete before approving" in review
    page = staff.get(f"/staff/offers/{first.id}").get_data(as_text=True)
    assert "What the provider answered" in page and "Language café" in page and "A German title is required" in page
    # Approving without a German title is refused, and says why.
    refused = staff.post(f"/staff/offers/{first.id}/approve")
    assert refused.status_code == 422 and "A German title is required" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Offer, first.id).status == "pending"
    form = {"provider_name": first.provider_name, "provider_kind": "welfare", "title_de": "Sprachcafé", "title_en": "Language café",
            "fields": ["language"], "districts": ["nord"], "languages": ["de", "ar"], "cost": "free", "phone_advice": "yes",
            "contact_email": "angebot@example.org", "contact_phone": "0000 000000-1"}
    assert staff.post(f"/staff/offers/{first.id}", form).status_code == 302
    assert staff.post(f"/staff/offers/{first.id}/approve").status_code == 302
    assert staff.post(f"/staff/offers/{second.id}/reject").status_code == 302
    db.expire_all()
    approved, rejected = db.get(Offer, first.id), db.get(Offer, second.id)
    assert approved.status == "published" and approved.last_verified_on == dt.date.today() and approved.title["de"] == "Sprachcafé"
    assert rejected.status == "archived"
    actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"offer_updated", "offer_approved", "offer_rejected"} <= set(actions)
    assert staff.post(f"/staff/offers/{second.id}/approve").status_code == 409  # only pending offers
