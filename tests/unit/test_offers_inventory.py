"""The offer inventory: validation per field, the staleness flag, listing, CSV import and export."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.offers import inventory
from survey.offers.inventory import CityCodes, OfferInput

TODAY = dt.date(2026, 6, 15)


CODES = CityCodes(("language", "work", "housing", "health"), ("nord", "mitte", "sued", "ost", "west"))


def valid(**changes) -> OfferInput:
    data = OfferInput(provider_name="Beratungsstelle Beispielhaus e.V.", provider_kind="welfare",
                      title={"de": "Migrationsberatung", "en": "Migration advice"}, fields=["work"], districts=["nord"],
                      languages=["de", "ar"], last_verified_on=dt.date(2026, 1, 10))
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def problems(data: OfferInput) -> dict[str, str]:
    return {p.where.field: p.message for p in inventory.validate(data, CODES, TODAY)}


def test_a_complete_offer_is_valid():
    assert problems(valid()) == {}
    assert problems(valid(city_wide=True, districts=[])) == {}


@pytest.mark.parametrize("changes, field, words", [
    ({"provider_name": "  "}, "provider_name", "required"),
    ({"provider_kind": "church"}, "provider_kind", "mso, welfare, municipal, other"),
    ({"title": {"en": "Only English"}}, "title_de", "German title"),
    ({"title": {"de": "x", "ku": "y"}}, "title_ku", "kmr"),
    ({"fields": []}, "fields", "at least one"),
    ({"fields": ["jobs"]}, "fields", "'jobs' is not an integration field"),
    ({"districts": []}, "districts", "city-wide"),
    ({"districts": ["sued", "suedost"]}, "districts", "'suedost'"),
    ({"languages": ["ku"]}, "languages", "ambiguous"),
    ({"languages": ["Arabic"]}, "languages", "'ar'"),
    ({"target_groups": ["women_girls"]}, "target_groups", "did you mean 'women'"),
    ({"cost": "cheap"}, "cost", "free, reduced, paid"),
    ({"contact_email": "info(at)example.org"}, "contact_email", "not an e-mail"),
    ({"website": "javascript:alert(1)"}, "website", "https://"),
    ({"website": "www.example.org"}, "website", "https://"),
    ({"contact_phone": "call me"}, "contact_phone", "digits"),
    ({"last_verified_on": dt.date(2026, 6, 16)}, "last_verified_on", "future"),
])
def test_every_problem_is_named_at_its_field(changes, field, words):
    found = problems(valid(**changes))
    assert field in found, found
    assert words in found[field]


def test_problems_of_several_fields_are_reported_together():
    found = problems(valid(provider_name="", cost="x", website="data:text/html,hi"))
    assert {"provider_name", "cost", "website"} <= set(found)


def test_an_offer_is_stale_when_not_verified_for_twelve_months():
    assert inventory.is_stale(valid(last_verified_on=None), TODAY)
    assert inventory.is_stale(valid(last_verified_on=dt.date(2025, 6, 15)), TODAY)
    assert not inventory.is_stale(valid(last_verified_on=dt.date(2025, 6, 16)), TODAY)
    assert inventory.is_stale(valid(last_verified_on=dt.date(2023, 2, 28)), dt.date(2024, 2, 29))
