"""XLSForm import and export: expressions both ways, the loader on made-up and real forms, the
respondent flow of an imported form, round trips, hostile files, and the command line.

Test workbooks are built here with openpyxl; the two real forms in tests/data/xlsform/ are
public samples (see the README there)."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from click.testing import CliRunner

from survey.app import main
from survey.exports.csv_export import write_csv
from survey.questionnaire import (
    load_questionnaire_text,
)
from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes
from survey.store.questionnaires import import_questionnaire
from survey.store.responses import iter_responses, load_versions
from tests.conftest import Browser
from tests.unit.test_xlsform import job_form, workbook

# --- the respondent flow --------------------------------------------------------------------


def test_imported_form_renders_in_arabic_and_exports_its_columns(app, db_session_factory, db):
    with db_session_factory() as session:
        import_questionnaire(session, load_xlsform_bytes(job_form(), "job.xlsx"))
        session.commit()
    browser = Browser(app.test_client())
    browser.get("/s/job-needs/", headers={"Accept-Language": "ar-SY,ar;q=0.9"})
    assert 'value="ar" checked' in browser.html  # Arabic preselected
    browser.get("/s/job-needs/?lang=ar")
    browser.post("/s/job-needs/ar/start")
    assert browser.url == "/s/job-needs/ar/p/work"
    assert '<html lang="ar" dir="rtl">' in browser.html and "هل لديك عمل؟" in browser.html
    assert "اختر كل ما ينطبق" in browser.html and "كتابة السيرة الذاتية" in browser.html
    # hours is a follow-up on the same page: sent hidden, shown by the script or after posting
    assert re.search(r'data-code="hours"[^>]*\shidden>', browser.html)
    page = {"has_job": "yes", "help": ["cv", "other"], "help_other": "Arzt", "age_started": "٥"}
    browser.post(data={"action": "next", **page})
    assert browser.status == 422 and browser.url == "/s/job-needs/ar/p/work"
    assert "صفر أو ١٦ على الأقل" in browser.html  # the form's own constraint message, in Arabic
    assert 'href="#q-age_started"' in browser.html
    assert re.search(r'data-code="hours"[^>]*>', browser.html).group().endswith("'>")  # now shown
    browser.post(data={"action": "next", **page, "hours": "90", "age_started": "١٦"})
    assert browser.status == 422 and 'href="#q-hours"' in browser.html and 'href="#q-age_started"' not in browser.html
    browser.post(data={"action": "next", **page, "hours": "38", "age_started": "١٦"})
    assert browser.url == "/s/job-needs/ar/p/housing"
    browser.post(data={"action": "next", "remarks": "شكرا"})
    assert browser.url == "/s/job-needs/ar/review"
    browser.post("/s/job-needs/ar/submit")
    assert browser.url == "/s/job-needs/ar/thanks"

    out = io.StringIO()
    write_csv(out, list(load_versions(db, "job-needs").values()), iter_responses(db, "job-needs"))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1
    row = rows[0]
    for column in ("has_job", "hours", "help", "help/cv", "help/course", "help/none", "help/other", "help_other",
                   "age_started", "remarks"):
        assert column in row
    assert (row["help"], row["help/cv"], row["help/course"], row["help/other"]) == ("cv other", "1", "0", "1")
    assert (row["help_other"], row["hours"], row["age_started"], row["language"]) == ("Arzt", "38", "16", "ar")


def test_filtered_choices_follow_the_earlier_answer(app, db_session_factory):
    survey = [("type", "name", "label::English (en)", "choice_filter", "required"),
              ("select_one countries", "country", "Country", None, "yes"),
              ("select_one cities", "city", "City", "country=${country}", "yes")]
    choices = [("list_name", "name", "label::English (en)", "country"),
               ("countries", "sy", "Syria"), ("countries", "ua", "Ukraine"),
               ("cities", "aleppo", "Aleppo", "sy"), ("cities", "kyiv", "Kyiv", "ua")]
    with db_session_factory() as session:
        import_questionnaire(session, load_xlsform_bytes(workbook(survey, choices, [("form_id",), ("places",)]), "p.xlsx"))
        session.commit()
    browser = Browser(app.test_client())
    browser.get("/s/places/en/")
    browser.post("/s/places/en/start")
    assert 'name="country"' in browser.html and 'name="city"' not in browser.html  # nothing to offer yet
    browser.post(data={"action": "next", "country": "ua"})
    assert 'role="status"' in browser.html  # more questions on this page
    assert 'value="kyiv"' in browser.html and 'value="aleppo"' not in browser.html
    browser.post(data={"action": "next", "country": "ua", "city": "aleppo"})  # not offered for Ukraine
    assert browser.status == 422 and 'href="#q-city"' in browser.html
    browser.post(data={"action": "next", "country": "ua", "city": "kyiv"})
    assert browser.url == "/s/places/en/review"


# --- command line ---------------------------------------------------------------------------


def test_cli_imports_an_xlsform_and_exports_forms(tmp_path):
    env = {"SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "SURVEY_EXPORT_DIR": str(tmp_path / "exports")}
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    form = tmp_path / "job.xlsx"
    form.write_bytes(job_form())
    result = runner.invoke(main, ["import", "--publish-without-legal-details", str(form)], env=env)
    assert result.exit_code == 0, result.output
    assert "job-needs\timported as version 1" in result.output
    assert "job.xlsx: survey!A2: warning: The 'start' row is skipped" in result.output

    out = tmp_path / "out" / "job-export.xlsx"
    result = runner.invoke(main, ["export-form", "job-needs", "--format", "xlsform", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert load_xlsform_bytes(out.read_bytes(), out.name).source == load_xlsform_bytes(job_form(), "job.xlsx").source
    result = runner.invoke(main, ["import", "--publish-without-legal-details", str(out)], env=env)
    assert "job-needs\tunchanged, version 1" in result.output  # the same questionnaire

    result = runner.invoke(main, ["export-form", "job-needs", "--format", "yaml", "--out", "-"], env=env)
    assert result.exit_code == 0
    assert load_questionnaire_text(result.stdout).questionnaire.slug == "job-needs"
    result = runner.invoke(main, ["export-form", "job-needs", "--format", "yaml"], env=env)
    assert Path(result.stdout.strip().splitlines()[-1]) == tmp_path / "exports" / "job-needs-v1.yaml"
    result = runner.invoke(main, ["export-form", "nope"], env=env)
    assert result.exit_code != 0 and "no questionnaire with the slug 'nope'" in result.output

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(workbook([("type", "name", "label"), ("text", "a", "A", None), ("text", "a", "B")]))
    result = runner.invoke(main, ["import", "--publish-without-legal-details", str(broken)], env=env)
    assert result.exit_code == 1 and "broken.xlsx: survey!B3: The question code 'a' appears twice" in result.output
