"""The city's district list on the respondent page: sub-districts grouped under their district,
chosen without JavaScript; the bundled questionnaire offers it in every language the list has."""
from __future__ import annotations

import re

from sqlalchemy import select

from survey.questionnaire import load_questionnaire_file
from survey.store import municipality
from survey.store.models import Response
from survey.store.municipality import DistrictInfo
from survey.store.questionnaires import import_questionnaire
from tests.conftest import BUNDLED, Browser

SLUG = "needs-assessment"
CITY = [
    DistrictInfo("nord", "Musterstadt-Nord", None, {"ar": "الشمال", "en": "North"}),
    DistrictInfo("nord-hafen", "Hafenviertel", "nord"),
    DistrictInfo("nord-altstadt", "Altstadt-Nord", "nord"),
    DistrictInfo("mitte", "Musterstadt-Mitte", None, {"ar": "الوسط"}),
]
ABOUT = {"age_band": "28_44", "housing_type": "shared_accommodation", "household_children": "yes", "arrival_year": "2022"}


def city_with_sub_districts(app, db_session_factory) -> Browser:
    with db_session_factory() as session:
        municipality.save_districts(session, CITY)
        import_questionnaire(session, load_questionnaire_file(BUNDLED / f"{SLUG}.yaml"))
        session.commit()
    return Browser(app.test_client())


def about_page(browser: Browser, lang: str) -> str:
    browser.get(f"/s/{SLUG}/?lang={lang}")
    browser.post(f"/s/{SLUG}/{lang}/start")
    assert browser.url == f"/s/{SLUG}/{lang}/p/about"
    return browser.html


def district_block(html: str) -> str:
    return html[html.index('data-code="district"'):html.index('data-code="age_band"')]


def test_sub_districts_are_plain_radios_grouped_under_their_district(app, db_session_factory):
    browser = city_with_sub_districts(app, db_session_factory)
    block = district_block(about_page(browser, "de"))
    # One radio group; Nord is a group of its own, named by the district, with its sub-districts
    # and "elsewhere in Nord, or not sure" (the district's own code); nothing hidden, no script.
    assert re.findall(r'name="district" id="[^"]+" value="([^"]+)"', block) == ["nord-hafen", "nord-altstadt", "nord", "mitte"]
    group = block[block.index('<fieldset class="option-group">'):block.index("</fieldset>")]
    assert "<legend>Musterstadt-Nord</legend>" in group
    assert ">Hafenviertel</label>" in group and ">Altstadt-Nord</label>" in group
    assert ">Anderer Teil von Musterstadt-Nord oder ich weiß es nicht genau</label>" in group
    assert "Musterstadt-Mitte" not in group and " hidden" not in block
    assert block.count('id="q-district"') == 1  # where the error summary's link points


def test_a_sub_district_is_answered_without_script_and_stored_as_its_code(app, db_session_factory, db):
    browser = city_with_sub_districts(app, db_session_factory)
    about_page(browser, "de")
    browser.post(data={"action": "next", "district": "nord-altstadt", **ABOUT})
    assert browser.url == f"/s/{SLUG}/de/p/needs"
    browser.get(f"/s/{SLUG}/de/p/about")
    assert 'value="nord-altstadt" checked' in browser.html
    browser.get(f"/s/{SLUG}/de/review")
    assert "Altstadt-Nord, Musterstadt-Nord" in browser.html
    # A code the list does not have is refused like any unknown option.
    browser.get(f"/s/{SLUG}/de/p/about")
    browser.post(data={"action": "next", "district": "nord-gone", **ABOUT})
    assert browser.status == 422 and 'href="#q-district"' in browser.html
    assert db.scalar(select(Response.id)) is None  # nothing sent yet: only the draft holds it


def test_arabic_shows_the_lists_arabic_names_and_german_ones_marked_as_german(app, db_session_factory):
    browser = city_with_sub_districts(app, db_session_factory)
    block = district_block(about_page(browser, "ar"))
    assert "<legend>الشمال</legend>" in block
    assert '<span lang="de" dir="ltr">Hafenviertel</span>' in block  # entered in German only
    assert "جزء آخر من الشمال، أو لست متأكدًا" in block


def test_the_bundled_questionnaire_offers_the_sample_towns_names(browser):
    block = district_block(about_page(browser, "ar"))
    assert "Musterstadt-Nord (الشمال)" in block and 'class="option-group"' not in block


# --- the contact-request form and the counsellors' list ------------------------------------

CONTACT = {"name": "Amina K.", "phone": "0151 2345678", "email": "", "language": "ar", "fields": ["housing"],
           "message": "", "consent": "yes"}


def send_contact(app, data, lang="ar") -> Browser:
    browser = Browser(app.test_client())
    browser.get(f"/contact/{lang}/")
    return browser.post(data=data)


def test_the_contact_form_asks_for_the_district_optionally_with_sub_districts_grouped(app, db_session_factory):
    city_with_sub_districts(app, db_session_factory)
    html = Browser(app.test_client()).get("/contact/ar/").html
    select_html = html[html.index('<select id="district"'):]
    select_html = select_html[:select_html.index("</select>")]
    assert '<option value="">' in select_html  # optional: "not answered" first
    group = select_html[select_html.index('<optgroup label="الشمال">'):select_html.index("</optgroup>")]
    assert re.findall(r'<option value="([^"]+)"', group) == ["nord", "nord-hafen", "nord-altstadt"]
    assert '<option value="nord-hafen" lang="de" dir="ltr">Hafenviertel</option>' in group
    assert '<option value="mitte">الوسط</option>' in select_html


def test_a_contact_request_keeps_the_district_and_refuses_an_unknown_one(app, db_session_factory, db):
    from survey.store.models import ContactRequest

    city_with_sub_districts(app, db_session_factory)
    refused = send_contact(app, {**CONTACT, "district": "atlantis"})
    assert refused.status == 422 and "يرجى اختيار حيّ من القائمة." in refused.html and 'href="#district"' in refused.html
    assert send_contact(app, {**CONTACT, "district": "nord-hafen"}).url == "/contact/ar/sent"
    assert send_contact(app, CONTACT).url == "/contact/ar/sent"  # the district is optional
    assert sorted(db.scalars(select(ContactRequest.district)), key=str) == [None, "nord-hafen"]


def test_counsellors_see_the_district_and_filter_by_it_sub_districts_included(app, db_session_factory):
    from tests.staff_helpers import logged_in

    city_with_sub_districts(app, db_session_factory)
    send_contact(app, {**CONTACT, "name": "In Hafen", "district": "nord-hafen"})
    send_contact(app, {**CONTACT, "name": "In Mitte", "district": "mitte"})
    send_contact(app, {**CONTACT, "name": "Nowhere"})
    counsellor = logged_in(app, db_session_factory, "beratung@stadt.example", "counsellor")
    page = counsellor.get("/staff/contacts").get_data(as_text=True)
    assert "In Hafen" in page and "In Mitte" in page and "Nowhere" in page
    assert "<td>Hafenviertel</td>" in page
    north = counsellor.get("/staff/contacts?district=nord").get_data(as_text=True)
    assert "In Hafen" in north and "In Mitte" not in north and "Nowhere" not in north
    assert '<option value="nord" selected>' in north
    harbour = counsellor.get("/staff/contacts?district=nord-hafen").get_data(as_text=True)
    assert "In Hafen" in harbour and "In Mitte" not in harbour
    unknown = counsellor.get("/staff/contacts?district=atlantis").get_data(as_text=True)
    assert "In Mitte" in unknown and "Nowhere" in unknown  # an unknown code filters nothing


# --- the staff area: an empty list refuses, the editor shows the city's list ------------------

def test_an_upload_bound_to_an_empty_list_is_refused_in_german_and_publishing_waits_for_the_list(app, db_session_factory, db):
    import io

    from survey.store.models import QuestionnaireVersion
    from tests.staff_helpers import Staff, make_user
    from tests.unit.test_district_binding import BOUND

    make_user(db_session_factory, "gestaltung@stadt.example", "designer", "admin")
    designer = Staff(app, language="de")
    designer.login("gestaltung@stadt.example")
    upload = lambda: designer.post("/staff/questionnaires/upload",  # noqa: E731
                                   {"file": (io.BytesIO(BOUND.encode()), "bound.yaml")}, content_type="multipart/form-data")
    refused = upload()
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "aber die Stadt hat noch keine Stadtteile" in html and "at the start of the file" not in html
    assert db.scalar(select(QuestionnaireVersion.id)) is None

    with db_session_factory() as session:
        municipality.save_districts(session, CITY)
        session.commit()
    assert upload().status_code == 302
    editor = designer.get("/staff/q/bound/edit/districts").get_data(as_text=True)
    assert "Hafenviertel" in editor and "nord-hafen" in editor and 'name="city_list"' not in editor
    # The city empties its list before the draft is published: publishing waits.
    with db_session_factory() as session:
        for code in ("nord-hafen", "nord-altstadt", "nord", "mitte"):
            assert municipality.delete_district(session, code)
        session.commit()
    published = designer.post("/staff/q/bound/v/1/publish", {}, follow_redirects=True).get_data(as_text=True)
    assert "aber die Stadt hat noch keine Stadtteile" in published
    assert db.scalar(select(QuestionnaireVersion.status)) == "draft"
