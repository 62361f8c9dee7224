"""The translation round trip: download a language's file, fill it, upload it, see the report and
the new draft; outdated marking; refused files; .po files; interface texts; roles."""
from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from survey.questionnaire import Text, load_questionnaire_text
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from survey.store.accounts import create_user
from survey.store.models import AuditEvent, QuestionnaireVersion
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.questionnaires import newest_version, questionnaire_for_version, save_draft
from survey.store.translation_status import outdated_keys
from tests.conftest import Browser
from tests.unit.test_translation_round_trip import edit_sheet

SLUG = "needs-assessment"


PASSWORD = "correct horse battery"


PAGE = f"/staff/q/{SLUG}/translations"


def staff(app, db_session_factory, *roles: str) -> Browser:
    email = f"{roles[0]}@musterstadt.example"
    with db_session_factory() as session:
        create_user(session, email, PASSWORD, list(roles))
        session.commit()
    browser = Browser(app.test_client())
    browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # staff pages default to German
    browser.get("/staff/login")
    browser.post("/staff/login", {"email": email, "password": PASSWORD})
    assert browser.status == 200 and "/staff/login" not in browser.url, browser.html[:500]
    return browser


@pytest.fixture()
def designer(app, db_session_factory, bundled) -> Browser:
    return staff(app, db_session_factory, "designer")


def versions(db_session_factory) -> list[QuestionnaireVersion]:
    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        return list(row.versions)


def download(browser: Browser, lang: str, kind: str) -> bytes:
    response = browser.client.get(f"{PAGE}/{lang}.{kind}")
    assert response.status_code == 200
    assert f'filename="{SLUG}-v1-{lang}.{kind}"' in response.headers["Content-Disposition"]
    return response.data


def upload(browser: Browser, raw: bytes, name: str, lang: str) -> Browser:
    browser.get(PAGE)
    return browser.post(f"{PAGE}", {"lang": lang, "file": (io.BytesIO(raw), name)})


# --- the sheet itself ------------------------------------------------------------------------


def test_arabic_sheet_has_keys_sources_translations_and_is_laid_out_for_translators(designer):
    raw = download(designer, "ar", "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = workbook["Translations"]
    assert [cell.value for cell in sheet[1]][:5] == ["key", "source (de)", "translation (ar)", "status", "still correct? (x)"]
    assert sheet.freeze_panes == "A2"
    assert sheet.sheet_view.rightToLeft is True
    assert sheet.protection.sheet and sheet["C2"].protection.locked is False and sheet["A2"].protection.locked is True
    assert sheet.column_dimensions["C"].width >= 40
    first = [cell.value for cell in sheet[2]]
    assert first[:4] == ["title", "Ihr Bedarf an Beratung und Unterstützung", "حاجتك إلى الاستشارة والدعم", "translated"]
    keys = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "question.work_status.label" in keys or any(k.startswith("question.") for k in keys)
    assert "ui:Your privacy" in keys  # interface texts respondents see are included
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows() if row[0].value}
    assert about["questionnaire"] == SLUG and about["language"] == "ar" and about["default language"] == "de"
    assert about["version"] == "1"


# --- round trip ------------------------------------------------------------------------------


def test_filled_arabic_sheet_becomes_a_new_draft_and_the_report_says_what_changed(designer, db_session_factory):
    raw = download(designer, "ar", "xlsx")
    filled, rows = edit_sheet(raw, {"title": "عنوان جديد للاستبيان", "intro": None})
    upload(designer, filled, "needs-ar.xlsx", "ar")
    assert designer.status == 200, designer.html[:3000]
    assert "draft version 2" in designer.html
    assert "عنوان جديد للاستبيان" in designer.html
    assert "Changed translations: 1" in designer.html
    assert "Emptied cells (the stored translation was kept): 1" in designer.html
    assert f"Row {rows['title']}" in designer.html

    stored = versions(db_session_factory)
    assert [(v.number, v.status) for v in stored] == [(1, "published"), (2, "draft")]
    published, draft = (questionnaire_for_version(v) for v in stored)
    assert draft.title.get("ar") == "عنوان جديد للاستبيان"
    assert draft.intro.get("ar") == published.intro.get("ar")  # an emptied cell deletes nothing
    assert published.title.get("ar") == "حاجتك إلى الاستشارة والدعم"  # the published version is untouched
    assert draft.title.get("de") == published.title.get("de")
    with db_session_factory() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "translation_imported"))
        assert event is not None and event.detail["language"] == "ar" and event.detail["version"] == 2

    # A second upload goes into the same draft.
    filled, _rows = edit_sheet(download_newest(designer, "ar"), {"title": "عنوان ثالث"})
    upload(designer, filled, "needs-ar.xlsx", "ar")
    assert designer.status == 200 and "draft version 2" in designer.html
    stored = versions(db_session_factory)
    assert len(stored) == 2 and questionnaire_for_version(stored[1]).title.get("ar") == "عنوان ثالث"


def download_newest(browser: Browser, lang: str) -> bytes:
    response = browser.client.get(f"{PAGE}/{lang}.xlsx")
    assert response.status_code == 200
    return response.data


def test_po_file_round_trip(designer, db_session_factory):
    raw = download(designer, "uk", "po")
    catalogue = read_po(io.BytesIO(raw))
    assert "kim-translation-sheet: slug=needs-assessment version=1 language=uk default=de" in catalogue.header_comment
    title = next(m for m in catalogue if m.context == "title")
    assert title.id == "Ihr Bedarf an Beratung und Unterstützung" and not title.fuzzy
    assert any(m.context == "ui:Your privacy" for m in catalogue)
    title.string = "Нова назва анкети"
    output = io.BytesIO()
    write_po(output, catalogue, width=0)
    upload(designer, output.getvalue(), "needs-uk.po", "uk")
    assert designer.status == 200, designer.html[:3000]
    assert "Line " in designer.html and "Нова назва анкети" in designer.html
    draft = questionnaire_for_version(versions(db_session_factory)[-1])
    assert draft.title.get("uk") == "Нова назва анкети"


# --- outdated --------------------------------------------------------------------------------


def change_german_title(db_session_factory, text: str = "Ihr Bedarf an Beratung, Hilfe und Unterstützung") -> None:
    with db_session_factory() as session:
        model = questionnaire_for_version(newest_version(session, SLUG))
        changed = replace(model, title=Text({**model.title.translations, "de": text}))
        save_draft(session, load_questionnaire_text(dump_questionnaire(changed), f"{SLUG}.yaml"))
        session.commit()


def test_changing_a_source_text_marks_its_translations_outdated_until_touched(designer, db_session_factory):
    change_german_title(db_session_factory)
    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        model = questionnaire_for_version(row.versions[-1])
        outdated = outdated_keys(session, row.id, model)
    assert outdated["ar"] == {"title"} and outdated["uk"] == {"title"}
    assert outdated["de"] == set()

    designer.get(PAGE)
    assert "Outdated translations" in designer.html and 'href="#outdated-ar"' in designer.html
    assert "Ihr Bedarf an Beratung, Hilfe und Unterstützung" in designer.html

    raw = designer.client.get(f"{PAGE}/ar.xlsx").data
    sheet = openpyxl.load_workbook(io.BytesIO(raw))["Translations"]
    assert sheet["A2"].value == "title" and sheet["D2"].value == "outdated"
    po = read_po(io.BytesIO(designer.client.get(f"{PAGE}/fa.po").data))
    assert next(m for m in po if m.context == "title").fuzzy

    # ar: the translator confirms the old translation; fa: the translator corrects it.
    filled, _rows = edit_sheet(raw, {}, confirm=("title",))
    upload(designer, filled, "ar.xlsx", "ar")
    assert designer.status == 200 and "confirmed as still correct: 1" in designer.html
    filled, _rows = edit_sheet(designer.client.get(f"{PAGE}/fa.xlsx").data, {"title": "نیاز شما به مشاوره، کمک و پشتیبانی"})
    upload(designer, filled, "fa.xlsx", "fa")
    assert designer.status == 200
    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        model = questionnaire_for_version(row.versions[-1])
        outdated = outdated_keys(session, row.id, model)
    assert "title" not in outdated["ar"] and "title" not in outdated["fa"]
    assert outdated["uk"] == {"title"}  # nobody touched it
    assert len(row.versions) == 2  # every change went into the one draft


def test_publishing_a_version_with_outdated_translations_asks_first(designer, db_session_factory):
    change_german_title(db_session_factory)  # version 2, a draft: every translation of the title is outdated
    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        languages = sorted(language for language, keys in outdated_keys(session, row.id, questionnaire_for_version(
            row.versions[-1])).items() if keys)
    assert "ar" in languages and "uk" in languages and "de" not in languages
    publish = f"/staff/q/{SLUG}/v/2/publish"
    designer.get(f"/staff/q/{SLUG}")
    designer.post(publish)
    assert designer.status == 200 and designer.url == publish  # asked, not published
    assert "These languages have outdated translations, made for a source text that has changed since:" in designer.html
    assert "Arabic (ar): 1 outdated text" in designer.html and "Ukrainian (uk): 1 outdated text" in designer.html
    assert "These languages still lack texts" not in designer.html  # complete, only outdated
    assert "Publish anyway" in designer.html and f'href="{PAGE}"' in designer.html
    assert [(v.number, v.status) for v in versions(db_session_factory)] == [(1, "published"), (2, "draft")]

    designer.post(publish, {"with_fallback": "yes"})
    assert designer.status == 200 and "Version 2 is published" in designer.html
    assert [(v.number, v.status) for v in versions(db_session_factory)] == [(1, "retired"), (2, "published")]
    with db_session_factory() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire_published"))
        assert event.detail["outdated_languages"] == languages and event.detail["fallback_languages"] == []


def test_reverting_the_source_text_makes_the_translation_current_again(designer, db_session_factory):
    change_german_title(db_session_factory)
    change_german_title(db_session_factory, "Ihr Bedarf an Beratung und Unterstützung")
    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        assert outdated_keys(session, row.id, questionnaire_for_version(row.versions[-1]))["ar"] == set()


def test_sheet_made_before_a_source_change_stays_outdated_after_upload(designer, db_session_factory):
    old_sheet = download(designer, "ar", "xlsx")
    change_german_title(db_session_factory)
    filled, _rows = edit_sheet(old_sheet, {"title": "عنوان مترجم من النص القديم"})
    upload(designer, filled, "ar.xlsx", "ar")
    assert designer.status == 200
    assert "The source text changed after the file was made" in designer.html
    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        assert outdated_keys(session, row.id, questionnaire_for_version(row.versions[-1]))["ar"] == {"title"}


# --- refused files ---------------------------------------------------------------------------


def assert_nothing_stored(db_session_factory) -> None:
    assert [v.number for v in versions(db_session_factory)] == [1]
    with db_session_factory() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "translation_imported")) is None


def test_unknown_key_is_reported_with_its_row_and_nothing_is_stored(designer, db_session_factory):
    filled, rows = edit_sheet(download(designer, "ar", "xlsx"), {"title": "عنوان جديد"}, keys={"intro": "intro_typo"})
    upload(designer, filled, "ar.xlsx", "ar")
    assert designer.status == 422
    assert "The file was not stored" in designer.html
    assert f"Row {rows['intro']}" in designer.html and "<code>intro_typo</code>" in designer.html
    assert "The key is unknown: the questionnaire has no such text" in designer.html
    assert_nothing_stored(db_session_factory)


def test_wrong_language_is_refused(designer, db_session_factory):
    upload(designer, download(designer, "ar", "xlsx"), "ar.xlsx", "fa")
    assert designer.status == 422
    assert "This file is for Arabic (ar), not Persian (Farsi) (fa)" in designer.html
    assert_nothing_stored(db_session_factory)


def test_a_file_of_another_questionnaire_is_refused(designer, db_session_factory):
    other = designer.client.get("/staff/q/offer-inventory/translations/en.xlsx")
    assert other.status_code == 200
    upload(designer, other.data, "offers-en.xlsx", "en")
    assert designer.status == 422 and "belongs to the questionnaire &#39;offer-inventory&#39;" in designer.html
    assert_nothing_stored(db_session_factory)


def test_formula_in_a_translation_cell_is_refused(designer, db_session_factory):
    filled, rows = edit_sheet(download(designer, "ar", "xlsx"), {"title": '=HYPERLINK("http://evil.example","x")'})
    upload(designer, filled, "ar.xlsx", "ar")
    assert designer.status == 422
    assert f"Row {rows['title']}" in designer.html and "formula" in designer.html
    assert_nothing_stored(db_session_factory)


def test_placeholders_of_interface_texts_must_be_kept(designer, db_session_factory):
    key = "ui:If you do not continue, your answers will be deleted after %(date)s."
    filled, _rows = edit_sheet(download(designer, "ar", "xlsx"), {key: "ستحذف إجاباتك", "ui:Your privacy": "100% خصوصية"})
    upload(designer, filled, "ar.xlsx", "ar")
    assert designer.status == 422
    assert "lacks the placeholder(s) %(date)s" in designer.html
    assert "write &#39;%%&#39;" in designer.html
    assert_nothing_stored(db_session_factory)


def test_broken_and_foreign_files_are_refused_with_a_clear_message(designer, db_session_factory):
    upload(designer, b"PK\x03\x04 this is not really a zip", "ar.xlsx", "ar")
    assert designer.status == 422 and "damaged" in designer.html
    upload(designer, b"\xd0\xcf\x11\xe0old excel", "ar.xls", "ar")
    assert designer.status == 422 and "old Excel .xls file" in designer.html
    upload(designer, b"%PDF-1.4", "ar.pdf", "ar")
    assert designer.status == 422 and "Upload the .xlsx or .po file" in designer.html
    upload(designer, b'msgid ""\nmsgstr ""\n\nmsgctxt "title"\nmsgid "x"\nmsgstr "y"\n', "ar.po", "ar")
    assert designer.status == 422 and "kim-translation-sheet" in designer.html
    assert_nothing_stored(db_session_factory)


def test_huge_upload_is_refused_before_anything_is_read(designer, db_session_factory):
    designer.get(PAGE)
    response = designer.client.post(PAGE, data={"csrf_token": designer.csrf(), "lang": "ar",
                                                 "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "ar.xlsx")})
    assert response.status_code == 413
    assert "larger than 1024 KB" in response.get_data(as_text=True)
    assert_nothing_stored(db_session_factory)


# --- interface texts -------------------------------------------------------------------------


def test_changed_interface_text_shows_on_the_respondent_page(designer, app, db_session_factory):
    respondent = Browser(app.test_client())
    respondent.get(f"/s/{SLUG}/ar/")
    assert "خصوصيتك" in respondent.html  # the bundled translation is loaded (and cached) first

    filled, _rows = edit_sheet(download(designer, "ar", "xlsx"), {"ui:Your privacy": "خصوصيتك مضمونة"})
    upload(designer, filled, "ar.xlsx", "ar")
    assert designer.status == 200, designer.html[:3000]
    assert "1 interface text changed" in designer.html
    assert [v.number for v in versions(db_session_factory)] == [1]  # no questionnaire text changed
    override = Path(app.instance_path) / "translations" / "ar" / "LC_MESSAGES"
    assert (override / "messages.po").is_file() and (override / "messages.mo").is_file()

    respondent.get(f"/s/{SLUG}/ar/")
    assert "خصوصيتك مضمونة" in respondent.html
    respondent.get(f"/s/{SLUG}/fa/")
    assert "خصوصيتك مضمونة" not in respondent.html  # other languages keep their own text
    # The next download shows the new text as the current translation.
    sheet = openpyxl.load_workbook(io.BytesIO(download(designer, "ar", "xlsx")))["Translations"]
    assert any(row[0].value == "ui:Your privacy" and row[2].value == "خصوصيتك مضمونة" for row in sheet.iter_rows())


def test_an_override_written_by_another_process_is_noticed(app, bundled):
    """Another worker wrote the override (nothing cleared this process's cache): the stamp file
    tells this one to reload."""
    from survey.store.ui_overrides import save_overrides

    respondent = Browser(app.test_client())
    respondent.get(f"/s/{SLUG}/ar/")
    assert "خصوصيتك" in respondent.html and "خصوصيتك مضمونة" not in respondent.html
    bundled_dir = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    save_overrides(bundled_dir, Path(app.instance_path) / "translations", "ar", {"ui:Your privacy": "خصوصيتك مضمونة"})
    respondent.get(f"/s/{SLUG}/ar/")
    assert "خصوصيتك مضمونة" in respondent.html


# --- roles -----------------------------------------------------------------------------------


def test_analyst_may_not_see_download_or_upload_translations(app, db_session_factory, bundled):
    analyst = staff(app, db_session_factory, "analyst")
    assert analyst.client.get(PAGE).status_code == 403
    assert analyst.client.get(f"{PAGE}/ar.xlsx").status_code == 403
    analyst.get("/staff/")
    response = analyst.client.post(PAGE, data={"csrf_token": analyst.csrf(), "lang": "ar",
                                               "file": (io.BytesIO(b"x"), "ar.xlsx")})
    assert response.status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(PAGE).status_code == 302


def test_translations_page_lists_every_language_but_the_source(designer):
    designer.get(PAGE)
    assert designer.status == 200
    assert f'href="{PAGE}/ar.xlsx"' in designer.html and f'href="{PAGE}/ps.po"' in designer.html
    assert f'href="{PAGE}/de.xlsx"' not in designer.html
    assert designer.client.get(f"{PAGE}/de.xlsx").status_code == 404
    assert designer.client.get(f"{PAGE}/xx.xlsx").status_code == 404
    assert designer.client.get("/staff/q/no-such/translations").status_code == 404
