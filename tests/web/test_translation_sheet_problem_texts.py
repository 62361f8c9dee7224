"""A refused translation file (the .xlsx sheet or .po file uploaded on a questionnaire's
Translations page) explained in the staff's language: survey.questionnaire.formats.translation_sheet
gives whole English sentences with parameters, each placed at its row (sheet) or line (.po) and
key; the staff page translates the sentence and shows the place beside it. The English texts (the
CLI, the tests, an English staff page) say the same."""
from __future__ import annotations

import io
import re

from babel.messages.pofile import read_po, write_po

from tests.staff_helpers import PASSWORD, Staff, make_user
from tests.unit.test_translation_round_trip import edit_sheet
from tests.web.test_problem_texts import problem_items

SLUG = "needs-assessment"
PAGE = f"/staff/q/{SLUG}/translations"


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
        (b"\xd0\xcf\x11\xe0old excel", "ar.xls",
         "Das ist eine alte Excel-.xls-Datei; speichern Sie sie als .xlsx (Excel-Arbeitsmappe) und laden Sie sie erneut hoch."),
        (b"%PDF-1.4", "ar.pdf",
         "Laden Sie die auf dieser Seite heruntergeladene .xlsx- oder .po-Datei hoch (andere Dateitypen werden nicht gelesen)."),
        (b'msgid ""\nmsgstr ""\n\nmsgctxt "title"\nmsgid "x"\nmsgstr "y"\n', "ar.po",
         "Der .po-Datei fehlt oben die Kommentarzeile „kim-translation-sheet: ...“"),
        (b'msgid "x"\nmsgstr y\n', "ar.po", "Zeile 2 | Diese Zeile der .po-Datei ist kein Text in Anführungszeichen ('msgstr y')"),
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
