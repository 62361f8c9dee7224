"""A refused translation file (the .xlsx sheet or .po file uploaded on a questionnaire's
Translations page) explained in the staff's language: survey.questionnaire.formats.translation_sheet
gives whole English sentences with parameters, each placed at its row (sheet) or line (.po) and
key; the staff page translates the sentence and shows the place beside it. The English texts (the
CLI, the tests, an English staff page) say the same."""
from __future__ import annotations

import io
import re

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
    write_po as write_sheet_po,
    write_xlsx,
)
from tests.staff_helpers import PASSWORD, Staff, make_user
from tests.test_problem_texts import problem_items
from tests.test_translation_round_trip import MINI, edit_sheet

SLUG = "needs-assessment"
PAGE = f"/staff/q/{SLUG}/translations"

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
        read_upload('msgid "x"\nmsgstr y\n'.encode(), "ar.po")
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
    assert str(error.value) == "This file is for Persian (Farsi) (fa), not English (en). Choose fa as the language, or upload the right file."

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


# --- German on the staff page ----------------------------------------------------------------


def staff(app, factory, language: str) -> Staff:
    email = f"designer-{language}@musterstadt.example"
    make_user(factory, email, "designer")
    browser = Staff(app, language=language)
    assert browser.login(email, PASSWORD).status_code == 302
    return browser


def upload(browser: Staff, raw: bytes, name: str, lang: str) -> tuple[int, str]:
    """The status and the page's problem list and notes as plain text, one item a line: the place
    (row or line and key), " | ", the sentence; a sentence without a place alone."""
    response = browser.post(PAGE, {"lang": lang, "file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    notes = re.search(r"(?s)<h2>(?:Notes|Hinweise)</h2>\s*<ul>(.*?)</ul>", html)
    items = problem_items(html) + (problem_items(f'<ul class="problems">{notes.group(1)}</ul>') if notes else [])
    return response.status_code, "\n".join(f"{place} | {text}" if place else text for place, text in items)


ENGLISH = re.compile(r"\b(the|this|is|not|cannot|file|sheet|row|line|key|translation|save|upload|Arabic|Persian)\b")


def assert_no_english(text: str) -> None:
    """Nothing English but data: keys (title, ui:...) and the file's quoted lines are left out."""
    for item in text.split("\n"):
        words = item.split(" | ", 1)[-1]  # the sentence, without the row and key
        words = re.sub(r"„[^“]*“|\([^)]*\)|'[^']*'", "", words)
        assert not ENGLISH.search(words), item


def test_a_refused_file_is_explained_in_german(app, db_session_factory, bundled):
    designer = staff(app, db_session_factory, "de")
    cases = [
        (b"PK\x03\x04" + b"\0" * 64, "ar.xlsx", "Das .xlsx-Archiv ist beschädigt und kann nicht geöffnet werden"),
        (b"\xd0\xcf\x11\xe0old excel", "ar.xls", "Das ist eine alte Excel-.xls-Datei; speichern Sie sie als .xlsx (Excel-Arbeitsmappe) und laden Sie sie erneut hoch."),
        (b"%PDF-1.4", "ar.pdf", "Laden Sie die auf dieser Seite heruntergeladene .xlsx- oder .po-Datei hoch (andere Dateitypen werden nicht gelesen)."),
        (b'msgid ""\nmsgstr ""\n\nmsgctxt "title"\nmsgid "x"\nmsgstr "y"\n', "ar.po",
         "Der .po-Datei fehlt oben die Kommentarzeile „kim-translation-sheet: ...“"),
        ('msgid "x"\nmsgstr y\n'.encode(), "ar.po", "Zeile 2 | Diese Zeile der .po-Datei ist kein Text in Anführungszeichen ('msgstr y')"),
        (b"", "ar.po", "Die Datei ist leer."),
    ]
    for raw, name, expected in cases:
        status, text = upload(designer, raw, name, "ar")
        assert status == 422, name
        assert text.startswith(expected), (name, text)
        assert_no_english(text)

    english = staff(app, db_session_factory, "en")
    status, text = upload(english, cases[0][0], "ar.xlsx", "ar")
    assert text == "The .xlsx archive is damaged and cannot be opened; save it again from Excel."


def test_a_file_for_another_language_names_both_languages_in_german(app, db_session_factory, bundled):
    designer = staff(app, db_session_factory, "de")
    sheet = designer.get(f"{PAGE}/ar.xlsx")
    assert sheet.status_code == 200
    status, text = upload(designer, sheet.data, "ar.xlsx", "fa")
    assert status == 422
    assert text == ("Diese Datei ist für Arabisch (ar), nicht für Persisch (Farsi) (fa). Wählen Sie ar als Sprache, oder laden "
                    "Sie die richtige Datei hoch.")

    english = staff(app, db_session_factory, "en")
    status, text = upload(english, sheet.data, "ar.xlsx", "fa")
    assert status == 422
    assert text == "This file is for Arabic (ar), not Persian (Farsi) (fa). Choose ar as the language, or upload the right file."


def test_row_problems_of_a_sheet_are_explained_in_german(app, db_session_factory, bundled):
    designer = staff(app, db_session_factory, "de")
    key = "ui:If you do not continue, your answers will be deleted after %(date)s."
    filled, rows = edit_sheet(designer.get(f"{PAGE}/ar.xlsx").data, {
        "title": '=HYPERLINK("http://evil.example","x")', key: "ستحذف إجاباتك", "ui:Your privacy": "100% خصوصية",
    }, keys={"intro": "intro_typo"})
    status, text = upload(designer, filled, "ar.xlsx", "ar")
    assert status == 422
    lines = text.split("\n")
    assert f"Zeile {rows['title']} · title | Die Zelle enthält eine Formel; Formeln werden nie übernommen. Geben Sie den Text " \
           "selbst ein; ein Text, der mit „=“ beginnt, braucht davor einen Apostroph ('=...)." in lines, text
    assert f"Zeile {rows['intro']} · intro_typo | Der Schlüssel ist unbekannt: Der Fragebogen hat keinen solchen Text " \
           "(mehr). Schlüssel müssen so bleiben, wie sie heruntergeladen wurden; laden Sie eine neue Datei herunter, " \
           "wenn sich der Fragebogen geändert hat." in lines
    assert f"Zeile {rows[key]} · {key} | Der Übersetzung fehlen Platzhalter des Ausgangstextes (%(date)s); übernehmen Sie " \
           "sie unverändert in die Übersetzung." in lines
    assert f"Zeile {rows['ui:Your privacy']} · ui:Your privacy | Ein Oberflächentext darf „%“ nur als „%%“ oder in einem " \
           "Platzhalter wie %(date)s enthalten; schreiben Sie „%%“." in lines
    assert len(lines) == 4
    assert_no_english(text)


def test_row_problems_and_notes_of_a_po_file_are_explained_in_german(app, db_session_factory, bundled):
    designer = staff(app, db_session_factory, "de")
    catalogue = read_po(io.BytesIO(designer.get(f"{PAGE}/uk.po").data))
    title = next(m for m in catalogue if m.context == "title")
    title.string, title.flags = "Нова назва", {"fuzzy"}
    catalogue.add("Noch einmal", "Ще раз", context="intro")  # the key "intro" a second time
    output = io.BytesIO()
    write_po(output, catalogue, width=0)
    raw = output.getvalue()
    lines = raw.decode().split("\n")
    # Babel numbers an entry by its msgid line.
    intro_lines = [number + 1 for number, line in enumerate(lines, start=1) if line == 'msgctxt "intro"']
    title_line = next(number + 1 for number, line in enumerate(lines, start=1) if line == 'msgctxt "title"')
    status, text = upload(designer, raw, "uk.po", "uk")
    assert status == 422
    assert text.split("\n") == [
        f"Zeile {intro_lines[1]} · intro | Der Schlüssel kommt doppelt vor (auch in Zeile {intro_lines[0]}); behalten Sie nur einen.",
        f"Zeile {title_line} · title | Der Eintrag ist noch als fuzzy (überarbeitungsbedürftig) markiert und wurde daher nicht "
        "übernommen; entfernen Sie die Markierung fuzzy, wenn die Übersetzung fertig ist.",
    ], text
    assert_no_english(text)

    english = staff(app, db_session_factory, "en")
    status, text = upload(english, raw, "uk.po", "uk")
    assert text.split("\n")[0] == f"Line {intro_lines[1]} · intro | The key appears twice (also in line {intro_lines[0]}); keep one."
