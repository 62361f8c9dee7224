"""The public offer directory /offers/: filters, languages, fallback marking, escaping, links."""
from __future__ import annotations

from types import SimpleNamespace

from survey.offers.matching import directory_offers, offer_text, offers_for_needs, serves, sort_offers

# --- matching, without Flask -------------------------------------------------------------------

def offer(**kw):
    base = {"status": "published", "fields": ["housing"], "districts": [], "city_wide": False, "languages": ["de"], "title": {"de": "x"}}
    return SimpleNamespace(**{**base, **kw})


def test_serves_needs_published_field_and_district_or_city_wide():
    assert serves(offer(districts=["nord"]), "housing", "nord")
    assert serves(offer(city_wide=True), "housing", "nord")
    assert not serves(offer(districts=["sued"]), "housing", "nord")
    assert not serves(offer(districts=["nord"]), "work", "nord")
    assert not serves(offer(districts=["nord"], status="pending"), "housing", "nord")
    assert serves(offer(districts=["sued"]), "housing", None)  # district unknown: all of the field


def test_own_district_first_then_city_wide_and_own_language_first():
    city_wide_ar = offer(city_wide=True, languages=["ar"], title={"de": "A"})
    own_de = offer(districts=["nord"], title={"de": "B"})
    own_ar = offer(districts=["nord"], languages=["ar", "de"], title={"de": "C"})
    assert sort_offers([city_wide_ar, own_de, own_ar], "nord", "ar") == [own_ar, own_de, city_wide_ar]


def test_an_offer_for_two_needed_fields_is_listed_once_under_the_first():
    both = offer(fields=["housing", "legal"], city_wide=True)
    legal = offer(fields=["legal"], city_wide=True)
    groups = offers_for_needs([both, legal], ["housing", "legal"], "nord", "de")
    assert [(g.field, g.offers, g.listed_above) for g in groups] == [("housing", [both], 0), ("legal", [legal], 1)]
    only_both = offers_for_needs([both], ["housing", "legal"], "nord", "de")
    assert [(g.offers, g.listed_above) for g in only_both] == [([both], 0), ([], 1)]


def test_offer_text_falls_back_along_the_chain_and_says_so():
    assert offer_text({"de": "Hallo", "ar": "مرحبا"}, "ar") == offer_text({"ar": "مرحبا"}, "ar")
    assert not offer_text({"ar": "مرحبا"}, "ar").is_fallback
    ckb = offer_text({"de": "Hallo", "ar": "مرحبا"}, "ckb")  # Sorani falls back to Arabic first
    assert (ckb.text, ckb.language, ckb.is_fallback) == ("مرحبا", "ar", True)
    german = offer_text({"de": "Hallo"}, "uk")
    assert (german.language, german.is_fallback) == ("de", True)
    assert offer_text({}, "uk").text == ""


def test_directory_filter_by_advice_language():
    a, b = offer(languages=["de", "uk"], city_wide=True), offer(languages=["de"], city_wide=True)
    assert directory_offers([a, b], [], None, "uk", "de") == [a]
