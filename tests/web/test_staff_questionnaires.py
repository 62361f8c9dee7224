"""Staff publish, close, distribute, preview and interview; respondents see only what is live."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from survey.store.models import AuditEvent, Draft, QuestionnaireVersion, Response
from tests.conftest import Browser
from tests.staff_helpers import logged_in

SMALL = """\
slug: kurz
default_language: de
languages: [de, en, {code: ar, reviewed: false, partial: true}]
title: {de: Kurzbefragung, en: Short survey, ar: استبيان قصير}
sections:
  - code: work
    field: work
    title: {de: Arbeit, en: Work}
    questions:
      - code: job
        type: yes_no
        required: true
        label: {de: "Haben Sie Arbeit?", en: "Do you have work?", ar: "هل لديك عمل؟"}
      - code: hours
        type: number
        min: 1
        max: 80
        condition: "job == 'yes'"
        label: {de: Stunden pro Woche, en: Hours per week}
"""


def upload(staff, text: str, name: str = "kurz.yaml"):
    return staff.post("/staff/questionnaires/upload",
                      {"file": (io.BytesIO(text.encode("utf-8")), name)}, content_type="multipart/form-data")


def answer_small(browser: Browser, lang: str = "de", query: str = "") -> None:
    browser.get(f"/s/kurz/{lang}/{query}")
    browser.post(f"/s/kurz/{lang}/start")
    assert browser.url == f"/s/kurz/{lang}/p/work", browser.html[:300]
    browser.post(data={"action": "next", "job": "yes"})
    browser.post(data={"action": "next", "job": "yes", "hours": "20"})
    assert browser.url == f"/s/kurz/{lang}/review", browser.html[:500]
    browser.post(f"/s/kurz/{lang}/submit")
    assert browser.url == f"/s/kurz/{lang}/thanks"


def test_upload_publish_and_a_new_draft_leaves_the_live_version_alone(app, db_session_factory, db):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    respondent = Browser(app.test_client())

    # Errors are listed with their line; nothing is stored.
    broken = upload(designer, SMALL.replace("type: yes_no", "type: yes_or_no"))
    assert broken.status_code == 422
    page = broken.get_data(as_text=True)
    assert '<code>kurz.yaml</code><span class="separator" aria-hidden="true"> · </span>Line 11' in page
    assert "Did you mean &#39;yes_no&#39;" in page
    assert db.scalar(select(func.count(QuestionnaireVersion.id))) == 0

    response = upload(designer, SMALL)
    assert response.status_code == 302
    assert respondent.get("/s/kurz/").status == 404  # a draft is not live
    detail = designer.get("/staff/q/kurz").get_data(as_text=True)
    assert "Entwurf" in detail or "draft" in detail

    # Arabic lacks texts: publishing asks first, then publishes with the fallback.
    confirm = designer.post("/staff/q/kurz/v/1/publish")
    assert confirm.status_code == 200 and "ar" in confirm.get_data(as_text=True)
    assert designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"}).status_code == 302
    answer_small(respondent)

    # A new upload becomes version 2 as a draft; respondents keep answering version 1.
    assert upload(designer, SMALL.replace("Stunden pro Woche", "Arbeitsstunden pro Woche")).status_code == 302
    versions = {v.number: v.status for v in db.scalars(select(QuestionnaireVersion))}
    assert versions == {1: "published", 2: "draft"}
    second = Browser(app.test_client())
    second.get("/s/kurz/de/")
    second.post("/s/kurz/de/start")
    assert "Arbeitsstunden" not in second.get("/s/kurz/de/p/work").html
    designer.post("/staff/q/kurz/v/2/publish", {"with_fallback": "yes"})
    assert {v.number: v.status for v in db.scalars(select(QuestionnaireVersion))} == {1: "retired", 2: "published"}
    third = Browser(app.test_client())
    third.get("/s/kurz/de/")
    third.post("/s/kurz/de/start")
    assert "Arbeitsstunden" in third.html
    # The response given to version 1 stays linked to version 1.
    assert db.scalar(select(QuestionnaireVersion.number).join(Response)) == 1
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"questionnaire_uploaded", "questionnaire_published"} <= actions


def test_closing_shows_respondents_a_friendly_page_in_their_language(app, db_session_factory, bundled):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    respondent = Browser(app.test_client())
    respondent.get("/s/needs-assessment/ar/")
    respondent.post("/s/needs-assessment/ar/start")
    designer.post("/staff/q/needs-assessment/close", {"closed": "yes"})
    page = respondent.get("/s/needs-assessment/ar/p/about")
    assert page.status == 410 and "انتهى هذا الاستطلاع" in page.html
    assert Browser(app.test_client()).get("/s/needs-assessment/").status == 410
    designer.post("/staff/q/needs-assessment/close", {"closed": "no"})
    assert respondent.get("/s/needs-assessment/ar/p/about").status == 200


def test_channels_qr_codes_and_flyer(app, db_session_factory, db):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    upload(designer, SMALL)
    designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"})
    assert designer.post("/staff/q/kurz/distribute", {"code": "Shelter North!"}).status_code == 422
    assert designer.post("/staff/q/kurz/distribute", {"code": "shelter-north", "description": "Unterkunft Nord"}).status_code == 302
    assert designer.post("/staff/q/kurz/distribute", {"code": "shelter-north"}).status_code == 422  # taken
    page = designer.get("/staff/q/kurz/distribute").get_data(as_text=True)
    assert "/s/kurz/?c=shelter-north" in page

    png = designer.get("/staff/q/kurz/qr.png?c=shelter-north")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = designer.get("/staff/q/kurz/qr.svg").get_data(as_text=True)
    assert svg.startswith("<svg") and "/s/kurz/" in svg
    assert designer.get("/staff/q/kurz/qr.svg?c=unknown").status_code == 404

    flyer = designer.get("/staff/q/kurz/flyer?lang=ar&lang=de&c=shelter-north").get_data(as_text=True)
    assert '<section lang="ar" dir="rtl">' in flyer and '<section lang="de" dir="ltr">' in flyer
    assert "لا تذكر اسمك" in flyer or "المدينة" in flyer  # the anonymity sentence, in Arabic
    assert "Die Stadt kann nicht sehen, wer geantwortet hat." in flyer
    assert "?c=shelter-north" in flyer and "<svg" in flyer
    assert "http" in flyer and "cdn" not in flyer.lower()

    # A response through the channel link carries the channel, and only known codes count.
    answer_small(Browser(app.test_client()), query="?c=shelter-north")
    answer_small(Browser(app.test_client()), query="?c=made-up")
    assert sorted(db.scalars(select(Response.channel))) == ["shelter-north", "web"]


def test_preview_stores_nothing_and_shows_errors(app, db_session_factory, db, bundled):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    frame = designer.get("/staff/q/needs-assessment/v/1/preview/ar/").get_data(as_text=True)
    assert 'width="360"' in frame and "/preview/ar/p/about" in frame
    page = designer.get("/staff/q/needs-assessment/v/1/preview/ar/p/about").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "preview-banner" in page
    assert "الصفحة 1 من" in page and "Page 1 of" not in page  # the respondent's interface language
    assert 'lang="en" dir="ltr">Preview: nothing entered here is stored.' in page  # the banner: the staff's
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    shown = re.search(r'name="_shown" value="([^"]*)"', page).group(1)
    errors = designer.client.post("/staff/q/needs-assessment/v/1/preview/ar/p/about",
                                  data={"csrf_token": token, "action": "next", "_preview_answers": "{}", "_shown": shown})
    assert errors.status_code == 422 and 'href="#q-district"' in errors.get_data(as_text=True)
    following = designer.client.post(
        "/staff/q/needs-assessment/v/1/preview/ar/p/about",
        data={"csrf_token": token, "action": "next", "_preview_answers": "not json", "_shown": shown, "district": "mitte",
              "age_band": "28_44", "housing_type": "own_flat", "household_children": "no", "arrival_year": "2020"})
    assert following.status_code == 200
    assert "/preview/ar/p/needs" in following.get_data(as_text=True)
    assert "mitte" in following.get_data(as_text=True)  # the answers so far travel in the page
    assert db.scalar(select(func.count(Draft.id))) == 0
    assert db.scalar(select(func.count(Response.id))) == 0


def test_interviewer_entered_responses_are_marked_and_exported(app, db_session_factory, db):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer", "analyst")
    upload(designer, SMALL)
    designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"})
    started = designer.post("/staff/q/kurz/interview", {"lang": "en"})
    assert started.headers["Location"] == "/s/kurz/en/"
    interviewer = Browser(designer.client)
    answer_small(interviewer, "en")
    answer_small(Browser(app.test_client()), "de")
    assert sorted(db.scalars(select(Response.interviewer_entered))) == [False, True]

    export = designer.get("/staff/q/kurz/export.csv?delimiter=semicolon&bom=yes")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert sorted(row["interviewer_entered"] for row in rows) == ["0", "1"]
    assert {row["hours"] for row in rows} == {"20"}
    assert "export" in set(db.scalars(select(AuditEvent.action)))


def test_questionnaire_list_shows_status_languages_and_responses(app, db_session_factory, bundled):
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    page = analyst.get("/staff/questionnaires").get_data(as_text=True)
    assert "needs-assessment" in page and "offer-inventory" in page
    assert "100 %" in page
    assert analyst.get("/staff/q/needs-assessment/v/1/download.yaml").status_code == 403


def test_xlsform_upload_and_download_in_both_formats(app, db_session_factory, bundled):
    from openpyxl import load_workbook

    from survey.questionnaire import load_questionnaire_text
    from survey.questionnaire.formats.xlsform_writer import write_xlsform

    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    workbook = designer.get("/staff/q/needs-assessment/v/1/download.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    sheets = load_workbook(io.BytesIO(workbook.data), read_only=True).sheetnames
    assert {"survey", "choices", "settings"} <= set(sheets)
    yaml_text = designer.get("/staff/q/needs-assessment/v/1/download.yaml").get_data(as_text=True)
    assert load_questionnaire_text(yaml_text).questionnaire.slug == "needs-assessment"

    small = load_questionnaire_text(SMALL).questionnaire
    response = designer.post("/staff/questionnaires/upload",
                             {"file": (io.BytesIO(write_xlsform(small)), "kurz.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/q/kurz"
    broken = designer.post("/staff/questionnaires/upload",
                           {"file": (io.BytesIO(b"PK\x03\x04 not really a workbook"), "kaputt.xlsx")}, content_type="multipart/form-data")
    assert broken.status_code == 422 and "kaputt.xlsx" in broken.get_data(as_text=True)


def test_uploading_an_unchanged_file_makes_no_new_version(app, db_session_factory, db):
    """However the file is written (comments, layout, quoting, key order, or the version's own
    YAML or XLSForm download), the same content is no new draft; the designer is told so."""
    from survey.questionnaire import load_questionnaire_text
    from survey.questionnaire.formats.xlsform_writer import write_xlsform

    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    assert upload(designer, SMALL).status_code == 302
    rewritten = ("# Kurzbefragung, noch einmal gespeichert\n"
                 + SMALL.replace("title: {de: Kurzbefragung, en: Short survey, ar: استبيان قصير}",
                                 "title:\n  en: 'Short survey'\n  de: \"Kurzbefragung\"\n  ar: استبيان قصير")
                 .replace("        max: 80\n", "        max: 80   # hours\n"))
    assert rewritten != SMALL
    versions = lambda: sorted((v.number, v.status) for v in db.scalars(select(QuestionnaireVersion)))  # noqa: E731

    for _round in range(2):  # against the draft, then against the published version
        again = upload(designer, rewritten)
        assert again.status_code == 302 and again.headers["Location"] == "/staff/q/kurz"
        page = designer.get("/staff/q/kurz").get_data(as_text=True)
        assert "The file is unchanged from version 1, so no new version was made." in page
        yaml_download = designer.get("/staff/q/kurz/v/1/download.yaml").get_data(as_text=True)
        assert upload(designer, yaml_download).status_code == 302
        workbook = write_xlsform(load_questionnaire_text(SMALL).questionnaire)
        assert upload_raw(designer, workbook, "kurz.xlsx").status_code == 302
        assert versions() == [(1, "draft" if _round == 0 else "published")]
        if _round == 0:
            assert designer.post("/staff/q/kurz/v/1/publish", {"with_fallback": "yes"}).status_code == 302
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "questionnaire_uploaded")).all()
    assert [e.detail.get("unchanged", False) for e in events] == [False] + [True] * 6

    # One changed text is a change: a new draft.
    assert upload(designer, rewritten.replace("Stunden pro Woche", "Arbeitsstunden")).status_code == 302
    assert versions() == [(1, "published"), (2, "draft")]
    assert "Saved as draft version 2" in designer.get("/staff/q/kurz").get_data(as_text=True)


def upload_raw(staff, raw: bytes, name: str):
    return staff.post("/staff/questionnaires/upload", {"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")
