"""The public offer directory /offers/: filters, languages, fallback marking, escaping, links."""
from __future__ import annotations

import re

import pytest

from survey.store.models import District, Offer


def make_offer(db, title, fields, districts=(), city_wide=False, languages=("de",), status="published", **extra):
    offer = Offer(provider_name=extra.pop("provider_name", "Träger"), provider_kind="welfare",
                  title=title if isinstance(title, dict) else {"de": title}, fields=list(fields),
                  districts=list(districts), city_wide=city_wide, languages=list(languages), status=status, **extra)
    db.add(offer)
    db.flush()
    return offer


@pytest.fixture()
def city(db_session_factory):
    with db_session_factory() as db:
        db.add_all([District(code="nord", name="Musterstadt-Nord", position=0),
                    District(code="sued", name="Musterstadt-Süd", position=1)])
        make_offer(db, {"de": "Wohnberatung Nord", "ar": "استشارة السكن في الشمال"}, ["housing"], ["nord"],
                   languages=["de", "ar"], description={"de": "Hilfe bei der Wohnungssuche"})
        make_offer(db, "Mieterverein", ["housing"], city_wide=True, languages=["de", "tr"])
        make_offer(db, "Sprachcafé Süd", ["language"], ["sued"], languages=["de", "uk"])
        make_offer(db, "Entwurf", ["housing"], city_wide=True, status="draft")
        db.commit()


def titles(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h3 class="offer-title">(.*?)</h3>', html)]


# --- the page ------------------------------------------------------------------------------------

def test_offers_redirects_to_the_browser_language_keeping_filters(app, city):
    response = app.test_client().get("/offers/?field=housing&district=nord", headers={"Accept-Language": "uk,en;q=0.5"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/offers/uk/?")
    assert "field=housing" in response.headers["Location"] and "district=nord" in response.headers["Location"]
    picked = app.test_client().get("/offers/?lang=fa&field=housing")
    assert picked.headers["Location"] == "/offers/fa/?field=housing"


def test_every_respondent_language_renders_with_its_direction(app, city):
    client = app.test_client()
    from survey.languages import LANGUAGES
    for tag, language in LANGUAGES.items():
        html = client.get(f"/offers/{tag}/").get_data(as_text=True)
        assert f'<html lang="{tag}" dir="{language.direction}">' in html
    assert client.get("/offers/xx/").status_code == 404


def test_filters_by_field_district_and_language(app, city):
    client = app.test_client()
    html = client.get("/offers/de/").get_data(as_text=True)
    assert sorted(titles(html)) == ["Mieterverein", "Sprachcafé Süd", "Wohnberatung Nord"]  # no draft
    html = client.get("/offers/de/?field=housing&district=nord").get_data(as_text=True)
    assert titles(html) == ["Wohnberatung Nord", "Mieterverein"]  # own district first
    html = client.get("/offers/de/?field=housing&district=sued").get_data(as_text=True)
    assert titles(html) == ["Mieterverein"]
    html = client.get("/offers/de/?advice=uk").get_data(as_text=True)
    assert titles(html) == ["Sprachcafé Süd"]
    html = client.get("/offers/de/?field=housing&field=language&district=sued").get_data(as_text=True)
    assert sorted(titles(html)) == ["Mieterverein", "Sprachcafé Süd"]
    # The filters are a plain GET form with fieldset/legend and labelled selects.
    assert '<form method="get" action="/offers/de/" class="filters">' in html
    assert "<legend>" in html and '<label for="district"' in html and '<label for="advice"' in html
    assert 'id="field-housing" value="housing" checked' in html


def test_empty_result_says_what_to_do(app, city):
    html = app.test_client().get("/offers/en/?field=work").get_data(as_text=True)
    assert "0 offers" in html
    assert "No offer matches all of these filters." in html
    assert 'href="/offers/en/"' in html and 'href="/contact/en/?field=work"' in html


def test_unknown_filter_values_are_named_not_silently_dropped(app, city):
    html = app.test_client().get("/offers/en/?district=atlantis&field=housing").get_data(as_text=True)
    assert "not known here" in html and "atlantis" in html
    assert sorted(titles(html)) == ["Mieterverein", "Wohnberatung Nord"]


def test_title_in_the_respondent_language_and_fallback_marked_with_lang_and_dir(app, city):
    html = app.test_client().get("/offers/ar/?field=housing&district=nord").get_data(as_text=True)
    assert '<h3 class="offer-title">استشارة السكن في الشمال</h3>' in html  # translated: no marking
    assert '<span lang="de" dir="ltr">Hilfe bei der Wohnungssuche</span>' in html  # German fallback
    assert '<h3 class="offer-title"><span lang="de" dir="ltr">Mieterverein</span></h3>' in html
    # Advice languages in their own script, each marked.
    assert '<span lang="ar" dir="rtl">العربية</span>' in html and '<span lang="tr" dir="ltr">Türkçe</span>' in html


def test_offer_texts_are_escaped(app, db_session_factory):
    with db_session_factory() as db:
        make_offer(db, {"de": "<script>alert(1)</script>"}, ["health"], city_wide=True,
                   provider_name='<img src=x onerror="alert(2)">', description={"de": "<b>fett</b>"},
                   website="javascript:alert(3)", contact_address="Weg 1<br>")
        db.commit()
    html = app.test_client().get("/offers/de/").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "<b>fett</b>" not in html and "Weg 1<br>" not in html
    assert 'href="javascript:' not in html  # only http(s) addresses become links


def test_contact_links_are_direct_without_tracking(app, db_session_factory):
    with db_session_factory() as db:
        make_offer(db, "Beratung", ["work"], city_wide=True, contact_phone="+49 (221) 123-45",
                   contact_email="info@beratung.example", website="https://beratung.example/kontakt",
                   barrier_free=True, childcare=True, phone_advice=True, appointment_only=True, cost="reduced")
        db.commit()
    html = app.test_client().get("/offers/en/").get_data(as_text=True)
    assert 'href="tel:+4922112345"' in html
    assert 'href="mailto:info@beratung.example"' in html
    assert '<a href="https://beratung.example/kontakt" rel="noreferrer noopener" dir="ltr">' in html
    links = re.findall(r'href="([^"]+)"', html)
    external = [link for link in links if not link.startswith(("/", "#"))]
    # Every outside link goes straight to its target: no redirect or counting URL of ours.
    assert external == ["tel:+4922112345", "mailto:info@beratung.example", "https://beratung.example/kontakt"]
    assert "By appointment only" in html and "Reduced cost" in html
    assert "Barrier-free access; Childcare during the advice; Advice by phone" in html


def test_rtl_page_and_language_picker_keep_the_filters(app, city):
    html = app.test_client().get("/offers/ar/?field=housing&district=nord").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    picker = html[html.index('class="switch-language"'):html.index("</form>")]
    assert 'name="lang"' in picker and '<input type="hidden" name="field" value="housing">' in picker
    assert '<input type="hidden" name="district" value="nord">' in picker
    assert '<option value="ar" lang="ar" selected>العربية</option>' in picker
    assert "style=" not in html and "<script" not in html  # no inline style or script (CSP)


def test_city_own_field_uses_its_label(app, db_session_factory):
    from survey.store.municipality import FieldInfo, save_fields
    with db_session_factory() as db:
        save_fields(db, [FieldInfo("housing", {"de": "Wohnen", "en": "Housing"}),
                         FieldInfo("seniors", {"de": "Ältere Menschen", "en": "Older people"})])
        make_offer(db, "Seniorentreff", ["seniors"], city_wide=True)
        db.commit()
    html = app.test_client().get("/offers/uk/?field=seniors").get_data(as_text=True)
    assert titles(html) == ["Seniorentreff"]
    assert '<label for="field-seniors">Older people</label>' in html  # English is Ukrainian's fallback
