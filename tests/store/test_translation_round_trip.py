"""The translation round trip: download a language's file, fill it, upload it, see the report and
the new draft; outdated marking; refused files; .po files; interface texts; roles."""
from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import openpyxl

from survey.questionnaire import Text, load_questionnaire_text
from survey.questionnaire.formats.translation_sheet import (
    SheetInfo,
    sheet_rows,
    write_xlsx,
)
from tests.unit.test_translation_round_trip import MINI


def test_texts_starting_with_equals_are_written_as_text_never_as_formula(bundled):
    model = load_questionnaire_text(MINI).questionnaire
    model = replace(model, title=Text({"de": "=SUMME(A1)", "en": "=1+1"}))
    raw = write_xlsx(SheetInfo("mini", 1, "en", "de"), sheet_rows(model, "en"))
    cell = openpyxl.load_workbook(io.BytesIO(raw))["Translations"]["B2"]
    assert cell.value == "=SUMME(A1)" and cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
