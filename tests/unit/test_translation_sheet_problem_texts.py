"""A refused translation file (the .xlsx sheet or .po file uploaded on a questionnaire's
Translations page) explained in the staff's language: survey.questionnaire.formats.translation_sheet
gives whole English sentences with parameters, each placed at its row (sheet) or line (.po) and
key; the staff page translates the sentence and shows the place beside it. The English texts (the
CLI, the tests, an English staff page) say the same."""
from __future__ import annotations

import io

import pytest
from babel.messages.pofile import read_po, write_po

from survey.questionnaire import load_questionnaire_text
from survey.questionnaire.formats.translation_sheet import (
    SheetError,
    SheetInfo,
    SheetRow,
    Status,
    _check_text,
    check_target,
    merge_upload,
    read_upload,
    sheet_rows,
    write_xlsx,
)
from survey.questionnaire.formats.translation_sheet import (
    write_po as write_sheet_po,
)
from tests.unit.test_translation_round_trip import MINI

# --- English, as before ----------------------------------------------------------------------


def refusal(raw: bytes, name: str) -> list[str]:
    with pytest.raises(SheetError) as error:
        read_upload(raw, name)
    return [problem.message for problem in error.value.problems]


def test_refusals_keep_their_english_text():
    assert refusal(b"", "ar.po") == ["The file is empty."]
    assert refusal(b"PK\x03\x04" + b"\0" * 64, "ar.xlsx") == [
        "The .xlsx archive is damaged and cannot be opened; save it again from Excel."]  # the container check's own sentence
    assert refusal(b"%PDF", "ar.pdf") == ["Upload the .xlsx or .po file downloaded on this page (other file types are not read)."]
    with pytest.raises(SheetError) as error:
        read_upload(b'msgid "x"\nmsgstr y\n', "ar.po")
    assert str(error.value) == ("line 2: This line of the .po file is not a quoted text ('msgstr y'); every msgctxt, msgid and "
                                "msgstr needs its text in double quotes \"...\".")
    assert refusal(b'# kim-translation-sheet: slug=mini version=x language=fa default=de\nmsgid ""\nmsgstr ""\n', "fa.po") == [
        "The .po file lacks the comment line 'kim-translation-sheet: ...' at its top, which says which questionnaire "
        "and language it belongs to. Download the file on this page and keep that comment."]
    with pytest.raises(SheetError) as error:
        read_upload(b"", "x.po")
    assert str(error.value) == "The file is empty."


def test_wrong_target_and_row_problems_keep_their_english_text():
    model = load_questionnaire_text(MINI).questionnaire
    rows = sheet_rows(model, "fa")
    uploaded = read_upload(write_xlsx(SheetInfo("mini", 1, "fa", "de"), rows), "mini-fa.xlsx")
    with pytest.raises(SheetError) as error:
        check_target(uploaded, model, "en")
    assert str(error.value) == ("This file is for Persian (Farsi) (fa), not English (en). "
                                "Choose fa as the language, or upload the right file.")

    catalogue = read_po(io.BytesIO(write_sheet_po(SheetInfo("mini", 2, "fa", "de"), rows)))
    title = next(m for m in catalogue if m.context == "title")
    catalogue.add("Noch einmal", "دوباره", context="title")  # the same key twice
    output = io.BytesIO()
    write_po(output, catalogue, width=0)
    merge = merge_upload(read_upload(output.getvalue(), "mini-fa.po"), model, rows, 3)
    assert [w.message for w in merge.warnings] == [
        "The file was made for version 2; the translations go into version 3. Texts whose source changed in "
        "between stay marked outdated."]
    twice = next(p for p in merge.problems if p.where.key == "title")
    assert str(twice) == f"line {twice.where.line}: title: The key appears twice (also in line {title.lineno}); keep one."


def test_a_problem_of_the_written_questionnaire_keeps_its_place():
    """A questionnaire the uploaded texts would make is refused with its own problems, each at
    the file, line and path of the written questionnaire."""
    from survey.problems import Problem, Where
    from survey.questionnaire import QuestionnaireError

    problem = Problem("too_long", "The text is %(length)s characters long.", {"length": 5000}, where=Where(line=3, path="title"))
    [placed] = QuestionnaireError("mini.yaml", [problem]).errors
    assert str(placed) == "mini.yaml:3: title: The text is 5000 characters long."


def test_check_text_keeps_its_english_text():
    row = SheetRow("ui:Deleted after %(date)s", "Deleted after %(date)s", "", Status.MISSING)
    problem = _check_text("100% %(date)s", row)
    assert problem.params == {}  # not %-formatted: '%%' is what the translator types
    assert problem.message == "An interface text may contain '%' only as '%%' or in a placeholder such as %(date)s; write '%%'."
    problem = _check_text("gelöscht", row)
    assert problem.message == ("The translation lacks the placeholder(s) %(date)s of the source text; copy them "
                               "unchanged into the translation.")
