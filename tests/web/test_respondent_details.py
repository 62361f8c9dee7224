"""The smaller things a respondent meets (issue 17): a language switch with a draft, a wrong
resume code, states for assistive technology, compressed error pages and an icon, Persian years
and direction marks, characters counted as characters, Latin items in right-to-left lists."""
from __future__ import annotations

import gzip
import re

from sqlalchemy import select

from survey.questionnaire import load_questionnaire_text
from survey.store.models import Draft
from survey.store.questionnaires import import_questionnaire
from tests.web.test_respondent_flow import ABOUT, SLUG, complete_page, start_in
from tests.web.test_thank_you_offers import PAGES

MARKS = """
slug: marks
title: {de: Markierungen}
default_language: de
languages: [de]
sections:
  - code: one
    title: {de: Eins}
    questions:
      - {code: name_of_place, type: text, required: true, label: {de: Ort}}
      - {code: note, type: long_text, max_length: 50, label: {de: Notiz}}
      - code: ways
        type: multiple_choice
        required: true
        label: {de: Wege}
        options: [{code: bus, label: {de: Bus}}, {code: rail, label: {de: Bahn}}]
"""


def _to_preferences(browser, lang: str) -> None:
    start_in(browser, lang)
    for _page in range(12):
        section = browser.url.rsplit("/p/", 1)[1]
        if section == "preferences":
            return
        complete_page(browser, PAGES.get(section, {}))
    raise AssertionError(f"never reached the last page: {browser.url}")


def test_choose_another_language_works_while_a_draft_exists(browser):
    start_in(browser, "ar")
    complete_page(browser, ABOUT)
    browser.get(f"/s/{SLUG}/ar/")
    link = re.search(r'href="([^"]*choose=1)"', browser.html).group(1)
    browser.get(link.replace("&amp;", "&"))
    assert browser.status == 200 and browser.url == f"/s/{SLUG}/"  # the choice, not the Arabic intro
    assert 'value="ar" checked' in browser.html  # the draft's language preselected
    browser.get(f"/s/{SLUG}/?lang=uk")
    assert browser.url == f"/s/{SLUG}/uk/"
    assert f'href="/s/{SLUG}/uk/p/needs"' in browser.html  # continues in Ukrainian where she was
    # Without asking to choose, the QR code scanned again still leads to her draft's language.
    browser.get(f"/s/{SLUG}/")
    assert browser.url == f"/s/{SLUG}/ar/"


def test_a_wrong_resume_code_stays_in_the_field_and_says_what_is_wrong(browser):
    browser.get(f"/s/{SLUG}/uk/resume")
    browser.post(data={"code": "AB12"})
    assert browser.status == 422
    assert 'value="AB12"' in browser.html
    assert "восьми літер і цифр" in browser.html  # the form of a code, in Ukrainian
    assert 'aria-invalid="true"' in browser.html and 'aria-describedby="code-hint code-error"' in browser.html
    browser.post(data={"code": "WXYA-7777"})
    assert browser.status == 422 and 'value="WXYA-7777"' in browser.html
    assert "восьми" not in browser.html  # well formed, only unknown: the other message


def test_a_resume_code_typed_with_arabic_digits_opens_the_draft(browser, new_browser):
    start_in(browser, "ar")
    complete_page(browser, ABOUT)
    code = browser.resume_code()
    eastern = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    other = new_browser()
    other.get(f"/s/{SLUG}/ar/resume")
    other.post(data={"code": eastern})
    assert other.url == f"/s/{SLUG}/ar/p/needs", other.html[:300]


def test_fields_say_when_they_are_required_or_wrong(browser):
    start_in(browser, "de")
    page = browser.html
    district = re.search(r'<fieldset[^>]*aria-describedby="q-district[^"]*"[^>]*>|<fieldset[^>]*>\s*<legend>[^<]*Stadtteil', page)
    assert district, "no fieldset for the district"
    assert 'role="radiogroup" aria-required="true"' in page  # a required single choice
    browser.post(data={"action": "next", **{k: v for k, v in ABOUT.items() if k != "district"}})
    assert browser.status == 422
    fieldset = re.search(r'<fieldset aria-describedby="q-district-error"[^>]*>', browser.html).group()
    assert 'aria-invalid="true"' in fieldset and 'aria-required="true"' in fieldset
    assert browser.html.count('aria-invalid="true"') == 1  # only the field with the error


def test_a_required_text_field_is_marked_required(db_session_factory, browser):
    with db_session_factory() as session:
        import_questionnaire(session, load_questionnaire_text(MARKS, "marks.yaml"))
        session.commit()
    browser.get("/s/marks/de/")
    browser.post("/s/marks/de/start")
    assert re.search(r'<input type="text" name="name_of_place"[^>]*\srequired', browser.html)
    assert not re.search(r'<textarea name="note"[^>]*\srequired', browser.html)
    assert re.search(r'<legend>Wege<span class="visually-hidden"> \(Pflichtfrage\)</span></legend>', browser.html)
    assert 'data-max-length="50"' in browser.html and "maxlength" not in browser.html.split("<form", 1)[1]
    browser.post(data={"action": "next", "name_of_place": "Mitte"})
    assert browser.status == 422
    assert re.search(r'<input type="checkbox" name="ways"[^>]*aria-invalid="true"', browser.html)


def test_pages_with_errors_are_compressed_and_an_icon_is_there(browser):
    start_in(browser, "ar")
    shown = re.search(r'name="_shown" value="([^"]*)"', browser.html).group(1)
    payload = {"csrf_token": browser.csrf(), "_shown": shown, "action": "next", "age_band": "28_44"}
    response = browser.client.post(browser.url, data=payload, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 422 and response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.get_data())
    assert b'class="error-summary"' in html and len(response.get_data()) < len(html) / 2
    icon = browser.client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon" and icon.data[:4] == b"\0\0\1\0"
    assert re.search(r'<link rel="icon" href="/assets/favicon\.[0-9a-f]+\.ico">', browser.html)


def test_a_persian_year_is_explained_and_direction_marks_are_ignored(browser, db):
    start_in(browser, "fa")
    browser.post(data={"action": "next", **ABOUT, "arrival_year": "۱۳۹۸"})
    assert browser.status == 422
    assert "2019" in browser.html and "2020" in browser.html and "میلادی" in browser.html
    assert 'value="۱۳۹۸"' in browser.html  # what she typed stays
    complete_page(browser, {**ABOUT, "arrival_year": "\u200f۲۰۱۹\u200f"})
    assert browser.url == f"/s/{SLUG}/fa/p/needs"
    assert db.scalar(select(Draft)).answers["arrival_year"] == 2019


def test_the_limit_counts_characters_and_nothing_is_cut(browser, db):
    _to_preferences(browser, "de")
    emoji = "👍🏽" * 1000  # 2,000 characters, 4,000 UTF-16 units: the browser's maxlength would cut at half
    complete_page(browser, {**PAGES["preferences"], "comments": emoji})
    assert db.scalar(select(Draft)).answers["comments"] == emoji
    browser.get(f"/s/{SLUG}/de/p/preferences")
    browser.post(data={"action": "next", **PAGES["preferences"], "comments": emoji + "x"})
    assert browser.status == 422 and "2000" in browser.html
    assert emoji + "x" in browser.html  # kept in the field, to shorten by hand
    assert db.scalar(select(Draft)).answers.get("comments") in (None, emoji)  # never a cut copy


def test_latin_items_in_a_right_to_left_list_are_isolated(browser):
    _to_preferences(browser, "ar")
    complete_page(browser, {**PAGES["preferences"], "advice_language": ["de", "en", "ar"]})
    browser.get(f"/s/{SLUG}/ar/review")
    row = re.search(r"<dd>(<bdi>[^<]*</bdi>, )+<bdi>[^<]*</bdi></dd>", browser.html)
    assert row, "the chosen languages are not isolated one by one"
