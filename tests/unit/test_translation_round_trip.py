"""The translation round trip: download a language's file, fill it, upload it, see the report and
the new draft; outdated marking; refused files; .po files; interface texts; roles."""
from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import openpyxl
import pytest

from survey.questionnaire import Text, load_questionnaire_text
from survey.questionnaire.formats.translation_sheet import (
    MAX_UPLOAD_BYTES,
    SheetError,
    SheetInfo,
    Status,
    check_target,
    merge_upload,
    read_upload,
    sheet_rows,
    write_xlsx,
)


def edit_sheet(raw: bytes, changes: dict[str, str | None], confirm: tuple[str, ...] = (),
               keys: dict[str, str] | None = None) -> tuple[bytes, dict[str, int]]:
    """Change translation cells (None empties one), tick "still correct", rename keys."""
    workbook = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = workbook["Translations"]
    rows = {}
    for row in sheet.iter_rows(min_row=2):
        key = row[0].value
        rows[key] = row[0].row
        if key in changes:
            row[2].value = changes[key]
        if key in confirm:
            row[4].value = "x"
        if keys and key in keys:
            row[0].value = keys[key]
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue(), rows


def test_zip_bomb_is_refused_without_unpacking():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(SheetError) as error:
        read_upload(output.getvalue(), "bomb.xlsx")
    assert "MB" in str(error.value) or "zip bomb" in str(error.value)
    with pytest.raises(SheetError, match="larger than 1024 KB"):
        read_upload(b"PK\x03\x04" + b"0" * MAX_UPLOAD_BYTES, "huge.xlsx")
    with pytest.raises(SheetError, match="empty"):
        read_upload(b"", "empty.po")


# --- the merge without a request -------------------------------------------------------------

MINI = """
slug: mini
default_language: de
languages: [de, en, {code: fa, partial: true}]
title: {de: Titel, en: Title, fa: عنوان}
sections:
  - code: one
    title: {de: Eins, en: One}
    questions:
      - code: q
        type: single_choice
        label: {de: Frage, en: Question}
        options:
          - {code: a, label: {de: A-de, en: A-en}}
          - {code: b, label: {de: B-de, en: B-en, fa: ب}}
"""


def test_merge_of_a_partial_language_reports_new_changed_unchanged_and_fallback():
    model = load_questionnaire_text(MINI).questionnaire
    rows = sheet_rows(model, "fa")
    status = {row.key: row.status for row in rows}
    assert status["title"] is Status.TRANSLATED and status["section.one.title"] is Status.FALLBACK
    assert "Respondents now read the en text: One" in next(r.note for r in rows if r.key == "section.one.title")
    raw = write_xlsx(SheetInfo("mini", 1, "fa", "de"), rows)
    filled, _rows = edit_sheet(raw, {"section.one.title": "یک", "question.q.option.b": "بِ", "question.q.label": "=cmd|' /C calc'!A0"})
    uploaded = read_upload(filled, "mini-fa.xlsx")
    check_target(uploaded, model, "fa")
    merge = merge_upload(uploaded, model, rows, 1)
    assert [p.where.key for p in merge.problems] == ["question.q.label"]  # the formula
    filled, _rows = edit_sheet(raw, {"section.one.title": "یک", "question.q.option.b": "بِ"})
    merge = merge_upload(read_upload(filled, "mini-fa.xlsx"), model, rows, 1)
    assert merge.ok
    assert [c.key for c in merge.new] == ["section.one.title"]
    assert [c.key for c in merge.changed] == ["question.q.option.b"]
    assert merge.unchanged == 1 and merge.still_missing == 2
    assert merge.translations == {"section.one.title": "یک", "question.q.option.b": "بِ"}
    with pytest.raises(SheetError):
        check_target(uploaded, model, "en")


def test_questionnaire_texts_keep_their_placeholders_and_length_limit():
    model = load_questionnaire_text(MINI).questionnaire
    model = replace(model, title=Text({"de": "Hallo ${name}", "en": "Hello ${name}"}))
    rows = sheet_rows(model, "en")
    raw = write_xlsx(SheetInfo("mini", 1, "en", "de"), rows)
    filled, numbers = edit_sheet(raw, {"title": "Hello", "section.one.title": "x" * 5000})
    merge = merge_upload(read_upload(filled, "mini-en.xlsx"), model, rows, 1)
    problems = {p.where.key: (p.where.row, p.message) for p in merge.problems}
    assert problems["title"][0] == numbers["title"] and "${name}" in problems["title"][1]
    assert "5000 characters" in problems["section.one.title"][1]
