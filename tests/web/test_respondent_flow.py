"""The respondent's path through the bundled needs questionnaire, in the browser's terms."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

from sqlalchemy import func, select, update

from survey.exports.csv_export import write_csv
from survey.store.models import Base, Draft, Response
from survey.store.responses import iter_responses, load_versions

SLUG = "needs-assessment"


NOTICE_AR = "أسئلة"  # part of the Arabic notice that more questions appeared (ar catalogue)


def complete_page(browser, data, expect_next=True):
    """Post a page; when follow-up questions appear on the same page, post it again."""
    start = browser.url
    browser.post(data={"action": "next", **data})
    for _ in range(3):
        if browser.url != start or browser.status != 200:
            break
        assert 'role="status"' in browser.html, browser.html[:2000]
        browser.post(data={"action": "next", **data})
    if expect_next:
        assert browser.url != start, f"stayed on {start}: {browser.status}"
    return browser


def start_in(browser, lang):
    browser.get(f"/s/{SLUG}/?lang={lang}")
    assert browser.url == f"/s/{SLUG}/{lang}/"
    browser.post(f"/s/{SLUG}/{lang}/start")
    assert browser.url == f"/s/{SLUG}/{lang}/p/about"


ABOUT = {"district": "mitte", "age_band": "28_44", "housing_type": "shared_accommodation",
         "household_children": "yes", "arrival_year": "٢٠٢٢"}


SCRIPT = "<script>alert('x')</script>"


def test_arabic_respondent_completes_the_whole_flow_and_is_exported(browser, new_browser, app, db):
    # Language choice: Arabic preselected from Accept-Language, names in their own script.
    browser.get(f"/s/{SLUG}/", headers={"Accept-Language": "ar-SY,ar;q=0.9,de;q=0.5"})
    assert 'value="ar" checked' in browser.html
    assert 'lang="ar" dir="rtl">العربية</label>' in browser.html
    assert 'lang="uk" dir="ltr">Українська</label>' in browser.html
    start_in(browser, "ar")
    assert '<html lang="ar" dir="rtl">' in browser.html
    assert "1 من 10" in browser.html or "1 / 10" in browser.html or re.search(r"1\D+10", browser.html)

    # A validation error: the district is missing. Message in Arabic, next to the field and in
    # a summary that links to it.
    browser.post(data={"action": "next", **{k: v for k, v in ABOUT.items() if k != "district"}})
    assert browser.status == 422
    assert 'class="error-summary"' in browser.html and 'href="#q-district"' in browser.html
    assert 'aria-describedby="q-district-error"' in browser.html
    assert "Please answer this question." not in browser.html  # translated, not the English source
    assert 'value="28_44" checked' in browser.html  # what was typed is kept
    complete_page(browser, ABOUT)
    assert browser.url == f"/s/{SLUG}/ar/p/needs"

    # A condition: urgency and barriers only appear once help areas and "no" are chosen.
    # Without script the follow-up is sent hidden (the optional script shows it at once) ...
    assert re.search(r'data-code="urgency"[^>]*\shidden>', browser.html)
    assert 'name="_shown" value="help_areas knows_where"' in browser.html
    needs = {"help_areas": ["housing", "work"], "knows_where": "no", "urgency": "very_urgent",
             "barriers": ["language", "other"], "barriers_other": SCRIPT}
    browser.post(data={"action": "next", **needs})
    # ... and the server shows it after the post, with a notice, instead of failing the page.
    assert browser.url == f"/s/{SLUG}/ar/p/needs"
    assert re.search(r'data-code="urgency"[^>]*>', browser.html).group().endswith("'>")
    assert NOTICE_AR in browser.html
    complete_page(browser, needs)
    assert browser.url == f"/s/{SLUG}/ar/p/language"

    # Switch language mid-way: the answer on the page is kept, the page comes back in English.
    browser.post(data={"action": "switch_language", "new_language": "en", "german_level": "2"})
    assert browser.url == f"/s/{SLUG}/en/p/language"
    assert '<html lang="en" dir="ltr">' in browser.html and 'value="2" checked' in browser.html
    complete_page(browser, {"german_level": "2", "german_course": "would_like", "course_obstacles": ["place"]})
    assert browser.url == f"/s/{SLUG}/en/p/education"
    browser.post(data={"action": "switch_language", "new_language": "ar"})
    assert browser.url == f"/s/{SLUG}/ar/p/education"

    # Resume on another device with the code shown on the page.
    code = browser.resume_code()
    phone = new_browser()
    phone.get(f"/s/{SLUG}/ar/resume")
    phone.post(data={"code": code.lower().replace("-", " ")})
    assert phone.url == f"/s/{SLUG}/ar/p/education"
    assert phone.resume_code() == code
    browser.get(f"/s/{SLUG}/ar/p/education")  # the old device's copy no longer opens the draft
    assert browser.url == f"/s/{SLUG}/ar/"

    complete_page(phone, {"children_ages": ["under_3", "6_9"], "childcare_place_needed": "yes", "school_help": ["homework"],
                          "own_education": "no"})
    complete_page(phone, {"work_status": "looking", "work_help": ["job_search"], "foreign_qualification": "yes"})
    complete_page(phone, {"housing_help": ["finding_flat"]})
    complete_page(phone, {})  # health: all optional
    complete_page(phone, {"legal_help": ["residence_permit"]})
    complete_page(phone, {})  # participation: optional
    complete_page(phone, {"advice_language": ["ar", "de"], "advice_channel": ["in_person"],
                          "household_size": "٣", "comments": f"<b>bold</b> & {SCRIPT}"})
    assert phone.url == f"/s/{SLUG}/ar/review"

    # The review lists the answers in Arabic, with HTML escaped.
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in phone.html
    assert SCRIPT not in phone.html and "<b>bold</b>" not in phone.html
    assert "2022" in phone.html
    phone.post(f"/s/{SLUG}/ar/submit")
    assert phone.url == f"/s/{SLUG}/ar/thanks" and phone.status == 200
    assert db.scalar(select(func.count(Draft.id))) == 0

    # Nothing of the answers remains reachable from that browser.
    phone.get(f"/s/{SLUG}/ar/review")
    assert phone.url == f"/s/{SLUG}/ar/"
    assert SCRIPT not in phone.html and "mitte" not in phone.html

    # Exactly that response is in the CSV export.
    out = io.StringIO()
    write_csv(out, list(load_versions(db, SLUG).values()), iter_responses(db, SLUG))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1
    row = rows[0]
    assert row["language"] == "ar"
    assert row["district"] == "mitte" and row["arrival_year"] == "2022" and row["household_size"] == "3"
    assert row["help_areas"] == "work housing"
    assert row["help_areas/housing"] == "1" and row["help_areas/none"] == "0"
    assert row["urgency"] == "very_urgent" and row["german_level"] == "2"
    assert row["barriers_other"] == SCRIPT
    assert row["course_obstacles"] == "place"
    assert row["gender"] == "" and row["health_help/none"] == ""  # not answered: empty
    assert row["work_help"] == "job_search"
    assert row["comments"] == f"<b>bold</b> & {SCRIPT}"
    stored = db.scalar(select(Response))
    assert row["response_id"] == stored.public_id


def test_double_submit_and_replay_store_one_response(browser, app, db):
    start_in(browser, "de")
    complete_page(browser, {**ABOUT, "household_children": "no", "arrival_year": "2020"})
    complete_page(browser, {"help_areas": ["none"], "knows_where": "yes_used"})
    complete_page(browser, {"german_level": "4"})
    for data in ({}, {"work_status": "employed", "work_help": ["none"]}, {"housing_help": ["none"]}, {},
                 {"legal_help": ["none"]}, {}, {"advice_language": ["de"], "advice_channel": ["phone"]}):
        complete_page(browser, data)
    assert browser.url == f"/s/{SLUG}/de/review"
    token = browser.csrf()
    cookie = browser.client.get_cookie("survey_session").value

    browser.post(f"/s/{SLUG}/de/submit")
    assert browser.url == f"/s/{SLUG}/de/thanks"
    # A double click: the second request still carries the old cookie.
    browser.client.set_cookie("survey_session", cookie)
    second = browser.client.post(f"/s/{SLUG}/de/submit", data={"csrf_token": token})
    assert second.status_code == 302 and second.headers["Location"].endswith("/thanks")
    # The back button and a replay with the current cookie.
    third = browser.client.post(f"/s/{SLUG}/de/submit", data={"csrf_token": token})
    assert third.status_code == 302 and third.headers["Location"].endswith("/thanks")
    assert db.scalar(select(func.count(Response.id))) == 1


def test_html_in_answers_is_escaped_on_every_page(browser):
    start_in(browser, "en")
    hostile = '"><img src=x onerror=alert(1)>'
    # Shown again in the form after a validation error ...
    browser.post(data={"action": "next", "district": "nord", "arrival_year": hostile})
    assert browser.status == 422
    assert "<img src=x" not in browser.html and "&lt;img src=x onerror=alert(1)&gt;" in browser.html
    complete_page(browser, {**ABOUT, "arrival_year": "2020", "household_children": "no"})
    complete_page(browser, {"help_areas": ["none"], "knows_where": "yes_used"})
    complete_page(browser, {"german_level": "4"})
    complete_page(browser, {})
    complete_page(browser, {"work_status": "other", "work_status_other": hostile})
    # ... in the saved value when the page is opened again, and on the review page.
    browser.get(f"/s/{SLUG}/en/p/work")
    assert "<img src=x" not in browser.html and "&#34;&gt;&lt;img" in browser.html
    browser.get(f"/s/{SLUG}/en/review")
    assert "<img src=x" not in browser.html and "&lt;img src=x onerror=alert(1)&gt;" in browser.html


def test_back_saves_without_requiring_and_delete_clears_the_draft(browser, db):
    start_in(browser, "tr")
    browser.post(data={"action": "back", "age_band": "18_27"})
    assert browser.url == f"/s/{SLUG}/tr/"  # back from the first page: the intro, nothing lost
    assert db.scalar(select(Draft)).answers == {"age_band": "18_27"}
    browser.get(f"/s/{SLUG}/tr/delete")
    browser.post()
    assert db.scalar(select(func.count(Draft.id))) == 0
    browser.get(f"/s/{SLUG}/tr/p/about")
    assert browser.url == f"/s/{SLUG}/tr/"


def test_forms_without_csrf_token_are_refused_in_the_visitors_language(browser, app):
    start_in(browser, "uk")
    response = browser.client.post(f"/s/{SLUG}/uk/p/about", data={"action": "next", "district": "nord"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert '<html lang="uk" dir="ltr">' in body and "Traceback" not in body


def test_unknown_questionnaire_language_and_section_are_404(browser):
    assert browser.client.get("/s/nope/").status_code == 404
    assert browser.client.get(f"/s/{SLUG}/xx/").status_code == 404
    start_in(browser, "de")
    assert browser.client.get(f"/s/{SLUG}/de/p/nope").status_code == 404


def test_wrong_resume_code_is_explained(browser):
    browser.get(f"/s/{SLUG}/ru/resume")
    browser.post(data={"code": "AAAA-BBBB"})
    assert browser.status == 422 and 'class="error-summary"' in browser.html


def test_a_draft_past_its_retention_is_gone_for_the_respondent_before_any_clean_up(browser, new_browser, app, db):
    """45 days after the last save (kept 30): neither the cookie nor the code opens the draft, its
    answers are not shown, reviewed or sent, and the respondent reads what a deleted draft shows."""
    start_in(browser, "en")
    complete_page(browser, {**ABOUT, "arrival_year": "2020"})
    code = browser.resume_code()
    token = browser.csrf()
    db.execute(update(Draft).values(last_saved_on=dt.date.today() - dt.timedelta(days=45)))
    db.commit()
    assert app.config["DRAFT_RETENTION_DAYS"] == 30

    cookie = browser.client.get_cookie("survey_session").value
    sent = browser.client.post(f"/s/{SLUG}/en/submit", data={"csrf_token": token})
    assert sent.status_code == 302 and sent.headers["Location"] == f"/s/{SLUG}/en/"
    assert db.scalar(select(func.count(Response.id))) == 0
    for page in ("p/needs", "p/about", "review", ""):  # continuing with the cookie: the intro, no answers
        browser.client.set_cookie("survey_session", cookie)
        browser.get(f"/s/{SLUG}/en/{page}")
        assert browser.url == f"/s/{SLUG}/en/" and code not in browser.html
        assert "Continue where you left off" not in browser.html and 'value="2020"' not in browser.html

    phone = new_browser()  # on another device with the code: as for an unknown code
    phone.get(f"/s/{SLUG}/en/resume")
    phone.post(data={"code": code})
    assert phone.status == 422 and "We could not find answers with this code" in phone.html
    assert db.scalar(select(func.count(Draft.id))) == 1  # still stored: only the clean-up deletes it


def test_no_ip_address_or_user_agent_is_stored(browser, db):
    browser.client.environ_base.update({"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "Tracker/9.9",
                                        "HTTP_REFERER": "http://localhost/s/needs-assessment/?ref=flyer-ref"})
    start_in(browser, "de")
    complete_page(browser, {**ABOUT, "arrival_year": "2020"})
    dump = repr([db.execute(select(table)).all() for table in Base.metadata.sorted_tables])
    assert "mitte" in dump  # the draft is in the dump ...
    assert "203.0.113.77" not in dump and "Tracker" not in dump and "flyer-ref" not in dump


def test_coming_back_on_the_same_device_resumes_where_the_respondent_left(browser):
    start_in(browser, "fa")
    complete_page(browser, {**ABOUT, "arrival_year": "۲۰۱۹"})
    assert browser.url == f"/s/{SLUG}/fa/p/needs"
    browser.get(f"/s/{SLUG}/")  # e.g. the QR code scanned again
    assert browser.url == f"/s/{SLUG}/fa/"
    assert f'href="/s/{SLUG}/fa/p/needs"' in browser.html
    browser.get(f"/s/{SLUG}/fa/p/about")
    assert 'value="2019"' in browser.html  # Persian digits were stored as a number
