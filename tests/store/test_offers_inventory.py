"""The offer inventory: validation per field, the staleness flag, listing, CSV import and export."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from survey.files import TableImportError
from survey.offers import inventory
from survey.offers.importing import export_offers
from survey.offers.inventory import OfferInvalid
from survey.store import municipality
from survey.store import offers as stored_offers
from survey.store.models import Offer
from survey.store.offers import import_offers
from survey.store.sample import SAMPLE_DIR, load_sample
from tests.unit.test_offers_inventory import TODAY, valid

HEADER = "id,provider_name,provider_kind,title_de,title_en,fields,city_wide,districts,languages,cost,childcare,last_verified_on\n"


@pytest.fixture()
def city(db):
    municipality.save_districts(db, municipality.parse_districts((SAMPLE_DIR / "districts.csv").read_bytes(), "districts.csv"))
    municipality.ensure_default_fields(db)
    return db


def test_create_update_archive_verify_and_filters(city):
    db = city
    offer = stored_offers.create_offer(db, valid(), today=TODAY)
    other = stored_offers.create_offer(db, valid(title={"de": "Wohnberatung"}, fields=["housing"], city_wide=True, districts=["ost"],
                                            languages=["uk"], last_verified_on=dt.date(2024, 1, 1)), today=TODAY)
    assert other.districts == []  # city-wide: a district list would only mislead
    assert offer.source == "staff" and offer.status == "published"
    with pytest.raises(OfferInvalid) as caught:
        stored_offers.create_offer(db, valid(fields=[]), today=TODAY)
    assert caught.value.problems[0].where.field == "fields"
    assert {o.id for o in stored_offers.list_offers(db, field_code="housing")} == {other.id}
    assert {o.id for o in stored_offers.list_offers(db, district="ost")} == {other.id}  # city-wide serves ost
    assert {o.id for o in stored_offers.list_offers(db, district="nord")} == {offer.id, other.id}
    assert {o.id for o in stored_offers.list_offers(db, language="ar")} == {offer.id}
    assert {o.id for o in stored_offers.list_offers(db, stale=True, today=TODAY)} == {other.id}
    assert stored_offers.update_offer(db, offer, valid(), today=TODAY) is False
    assert stored_offers.update_offer(db, offer, valid(cost="reduced"), today=TODAY) is True and offer.cost == "reduced"
    stored_offers.verify_offer(db, other, today=TODAY)
    assert other.last_verified_on == TODAY and not inventory.is_stale(other, TODAY)
    stored_offers.archive_offer(db, offer)
    assert [o.id for o in stored_offers.list_offers(db, status="published")] == [other.id]


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")


GOOD = ",Beispielhaus e.V.,welfare,Sprachcafé,Language café,language,no,nord;mitte,de;ar,free,yes,2026-01-02"


def test_import_reports_every_problem_with_row_and_column_and_saves_nothing(city):
    db = city
    bad = _csv(GOOD,
               ",Beispielhaus e.V.,welfare,Wohnen,Housing,housing,no,suedost,de,free,no,",
               ",,club,,x,jobs,maybe,,ku,cheap,no,31.02.2026")
    with pytest.raises(TableImportError) as caught:
        import_offers(db, bad, "offers.csv", today=TODAY)
    found = {(p.where.row, p.where.column or None) for p in caught.value.problems}
    assert (3, "districts") in found
    assert {(4, "provider_name"), (4, "provider_kind"), (4, "title_de"), (4, "fields"), (4, "city_wide"),
            (4, "languages"), (4, "cost"), (4, "last_verified_on")} <= found
    assert not any(p.where.row == 2 for p in caught.value.problems)
    assert "row 3, column districts" in str(caught.value)
    assert db.scalar(select(func.count()).select_from(Offer)) == 0  # the valid row was not saved either


def test_unknown_columns_and_languages_are_refused(city):
    raw = b"provider_name,title_de,fields,districts,title_ku,colour\nA,B,work,nord,C,red\n"
    with pytest.raises(TableImportError) as caught:
        import_offers(city, raw, "offers.csv", today=TODAY)
    columns = {p.where.column for p in caught.value.problems}
    assert {"title_ku", "colour"} <= columns


def test_reimport_updates_instead_of_duplicating(city):
    db = city
    first = import_offers(db, _csv(GOOD), "offers.csv", today=TODAY)
    assert len(first.added) == 1
    again = import_offers(db, _csv(GOOD), "offers.csv", today=TODAY)
    assert again.added == () and again.unchanged == first.added
    changed = import_offers(db, _csv(GOOD.replace(",free,", ",reduced,")), "offers.csv", today=TODAY)
    assert changed.updated == first.added
    offer = db.get(Offer, first.added[0])
    assert offer.cost == "reduced" and offer.source == "import" and offer.districts == ["nord", "mitte"]
    # With an id the row updates that offer even when provider and title change.
    by_id = import_offers(db, _csv(f"{offer.id}" + GOOD.replace("Sprachcafé", "Sprachtreff")), "offers.csv", today=TODAY)
    assert by_id.updated == (offer.id,) and offer.title["de"] == "Sprachtreff"
    with pytest.raises(TableImportError, match="no offer with the id '999999'"):
        import_offers(db, _csv("999999" + GOOD), "offers.csv", today=TODAY)
    assert db.scalar(select(func.count()).select_from(Offer)) == 1


def test_export_and_import_round_trip_including_xlsx(city):
    db = city
    load_sample(db)
    offers = stored_offers.list_offers(db)
    offers[0].contact_address = "=HYPERLINK(\"http://evil.example\")"  # a formula must not reach a spreadsheet as one
    text = export_offers(offers)
    assert "'=HYPERLINK" in text
    report = import_offers(db, text.encode("utf-8"), "offers.csv")
    assert report.added == () and report.updated == () and len(report.unchanged) == len(offers)
    assert offers[0].contact_address.startswith("=HYPERLINK")
    workbook = Workbook()
    sheet = workbook.active
    for row in csv.reader(io.StringIO(text)):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    again = import_offers(db, buffer.getvalue(), "offers.xlsx")
    assert len(again.unchanged) == len(offers) and again.added == ()


def test_the_sample_municipality_loads_once(city, db):
    report = load_sample(db)
    assert report.districts == 0  # loaded by the fixture already: kept as they are
    assert 28 <= report.offers <= 32
    offers = stored_offers.list_offers(db)
    assert {f for o in offers for f in o.fields} == {f[0] for f in municipality.DEFAULT_FIELDS}
    assert any(o.city_wide for o in offers)
    assert any(inventory.is_stale(o) for o in offers) and not all(inventory.is_stale(o) for o in offers)
    assert not [o for o in offers if "housing" in o.fields and (o.city_wide or {"ost", "west"} & set(o.districts))]
    assert not [o for o in offers if "health" in o.fields and (o.city_wide or "nord" in o.districts)]
    assert all(o.contact_email.endswith("@example.org") and o.contact_phone.startswith("0000") for o in offers)
    assert load_sample(db).offers == 0  # idempotent
    assert db.scalar(select(func.count()).select_from(Offer)) == report.offers


def test_the_sample_stays_mostly_fresh_whenever_it_is_loaded(city, db):
    """The sample file's dates age; loaded years later, its newest verification is moved to 60
    days before that day, so most offers are fresh and a few due, as in the file."""
    later = dt.date(2031, 6, 1)
    load_sample(db, today=later)
    offers = stored_offers.list_offers(db)
    dates = sorted(o.last_verified_on for o in offers if o.last_verified_on)
    assert dates[-1] == later - dt.timedelta(days=60)
    assert dates[0] < dates[-1] - dt.timedelta(days=365)  # the distances are kept
    stale = [inventory.is_stale(o, later) for o in offers]
    assert any(stale) and not all(stale) and sum(stale) < len(stale) / 2
