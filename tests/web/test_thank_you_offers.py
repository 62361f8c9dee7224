"""Offers on the thank-you page of the needs questionnaire, without keeping the answers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey.store.models import ContactRequest, Draft, Offer, Response
from tests.web.test_respondent_flow import SLUG, complete_page, start_in

ABOUT = {"district": "nord", "age_band": "28_44", "housing_type": "municipal_flat", "household_children": "no"}


# Needs in housing and legal matters only: no German course wanted, no work help.
PAGES = {
    "about": ABOUT,
    "needs": {"help_areas": ["housing", "legal"], "knows_where": "no", "urgency": "later"},
    "language": {"german_level": "3", "german_course": "attending"},
    "work": {"work_status": "employed", "work_help": ["none"]},
    "housing": {"housing_help": ["finding_flat"]},
    "legal": {"legal_help": ["benefits"]},
    "preferences": {"advice_language": ["ar"], "advice_channel": ["in_person"]},
}


NO_NEEDS = {
    **PAGES,
    "needs": {"help_areas": ["none"], "knows_where": "yes_used", "urgency": "later"},
    "housing": {"housing_help": ["none"]},
    "legal": {"legal_help": ["none"]},
}


def answer_all(browser, lang, pages):
    start_in(browser, lang)
    for _ in range(20):
        match = re.search(r"/p/([a-z_]+)$", browser.url)
        if not match:
            break
        complete_page(browser, pages.get(match.group(1), {}))
    assert browser.url == f"/s/{SLUG}/{lang}/review", browser.url
    browser.post(f"/s/{SLUG}/{lang}/submit")
    assert browser.url == f"/s/{SLUG}/{lang}/thanks" and browser.status == 200


def offer(db, title, fields, districts=(), city_wide=False, languages=("de",)):
    db.add(Offer(provider_name="Träger", provider_kind="welfare", title=title, fields=list(fields),
                 districts=list(districts), city_wide=city_wide, languages=list(languages)))


@pytest.fixture()
def offers(db_session_factory):
    with db_session_factory() as db:
        # The sample town's districts are there already (the bundled questionnaire offers them).
        offer(db, {"de": "Mieterberatung (ganze Stadt)"}, ["housing"], city_wide=True, languages=["de"])
        offer(db, {"de": "Wohnungshilfe Nord", "ar": "مساعدة السكن في الشمال"}, ["housing"], ["nord"], languages=["de"])
        offer(db, {"de": "Wohnen Nord arabisch"}, ["housing"], ["nord"], languages=["ar", "de"])
        offer(db, {"de": "Wohnen Mitte"}, ["housing"], ["mitte"])
        offer(db, {"de": "Rechtsberatung Stadt"}, ["legal"], city_wide=True, languages=["ar"])
        offer(db, {"de": "Sprachkurs Nord"}, ["language"], ["nord"])
        db.commit()


def offer_titles(html):
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h4 class="offer-title">(.*?)</h4>', html)]


def test_respondent_with_needs_in_two_fields_sees_offers_for_both(browser, offers, db):
    answer_all(browser, "ar", PAGES)
    html = browser.html
    headings = re.findall(r"<h3>(.*?)</h3>", html)
    assert len(headings) == 2  # housing, legal: nothing for language, which was not needed
    housing, legal = html.split("<h3>")[1:3]
    # Own district first (the Arabic-speaking one before the other), then city-wide; never
    # an offer of another district; the Arabic title where there is one.
    assert offer_titles(housing) == ["Wohnen Nord arabisch", "مساعدة السكن في الشمال", "Mieterberatung (ganze Stadt)"]
    assert offer_titles(legal) == ["Rechtsberatung Stadt"]
    assert "Wohnen Mitte" not in html and "Sprachkurs Nord" not in html
    # Untranslated titles are marked as German.
    assert '<h4 class="offer-title"><span lang="de" dir="ltr">Wohnen Nord arabisch</span></h4>' in html
    # Saveable: a plain link to the directory with the same filters; the directory, the
    # contact form; and the page is not cached.
    assert 'href="/offers/ar/?field=housing&amp;field=legal&amp;district=nord"' in html
    assert 'href="/contact/ar/"' in html
    saved = browser.client.get("/offers/ar/?field=housing&field=legal&district=nord").get_data(as_text=True)
    assert "Rechtsberatung Stadt" in saved and "Wohnen Mitte" not in saved


def test_nothing_of_the_answers_stays_stored_or_linked(browser, offers, db, app):
    answer_all(browser, "de", PAGES)
    assert "Rechtsberatung Stadt" in browser.html
    response = browser.client.get(f"/s/{SLUG}/de/thanks")
    # The needs were in the session for that one view only: a reload shows no list ...
    assert "Rechtsberatung Stadt" not in response.get_data(as_text=True)
    assert 'href="/offers/de/"' in response.get_data(as_text=True)  # ... only the directory link
    assert response.headers["Cache-Control"] == "no-store"
    with browser.client.session_transaction() as cookie:
        assert "offer_needs" not in cookie and "drafts" not in cookie
        assert "housing" not in repr(dict(cookie)) and "nord" not in repr(dict(cookie))
    # On the server: the response and nothing else; no draft, no contact request, and the
    # thank-you URL carries nothing of the answers.
    assert db.scalar(select(func.count(Response.id))) == 1
    assert db.scalar(select(func.count(Draft.id))) == 0
    assert db.scalar(select(func.count(ContactRequest.id))) == 0
    assert browser.url == f"/s/{SLUG}/de/thanks"


def test_respondent_without_needs_sees_no_list_but_the_directory(browser, offers):
    answer_all(browser, "uk", NO_NEEDS)
    html = browser.html
    assert 'class="offers-for-you"' not in html and offer_titles(html) == []
    assert 'href="/offers/uk/"' in html and 'href="/contact/uk/"' in html


def test_field_without_offers_says_so(browser, db_session_factory):
    answer_all(browser, "en", PAGES)  # no offers at all
    assert "We know of no offer for this topic yet." in browser.html
    assert browser.html.count("<h3>") == 2


def test_a_field_served_only_by_an_offer_listed_above_points_up(browser, db_session_factory):
    with db_session_factory() as db:
        offer(db, {"de": "Allgemeine Beratung"}, ["housing", "legal"], city_wide=True)
        db.commit()
    answer_all(browser, "en", PAGES)
    housing, legal = browser.html.split("<h3>")[1:3]
    assert offer_titles(housing) == ["Allgemeine Beratung"] and offer_titles(legal) == []
    assert "The offers listed above also help with this topic." in legal
    assert "We know of no offer" not in browser.html
