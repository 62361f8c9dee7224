"""Problems of XLSForm workbooks and YAML syntax in the staff's language: the XLSForm reader
(survey/questionnaire/formats/xlsform_reader.py) and the YAML reader (survey/questionnaire/formats/located_yaml.py)
give whole English sentences with parameters, placed at a sheet, row and cell or a line; the staff
pages translate the sentences and show the place beside them; the CLI prints "place: sentence"."""
from __future__ import annotations

import html
import io
import re

from tests.conftest import DATA
from tests.unit.test_xlsform import workbook
from tests.unit.test_xlsform_problem_texts import BROKEN, CHOICES, NO_NAME_COLUMN
from tests.web.test_problem_texts import german, problem_items

SAMPLES = DATA / "xlsform"


def upload(staff, raw: bytes, name: str):
    return staff.post("/staff/questionnaires/upload", {"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_refused_xlsform_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    refused = upload(designer, workbook(BROKEN, CHOICES), "fragen.xlsx")
    text = page_text(refused)
    assert refused.status_code == 422
    expected = [
        ("fragen.xlsx · Blatt survey, Zelle D1", "Die Spalte „label::Kurdish (ku)“ wird übersprungen: Kurdisch ist hier "
         "mehrdeutig; benennen Sie die Spalte mit Kurmanji (kmr) oder Sorani (ckb)."),
        ("fragen.xlsx · Blatt survey, Zelle A2", "Die Zeile vom Typ „geopoint“ wird übersprungen: Standorte werden zum Schutz der "
         "Befragten nicht erhoben."),
        # two sentences, each translated as a whole; the character is part of the place
        ("fragen.xlsx · Blatt survey, Zelle E3 · Zeichen 1", "Die relevant-Bedingung '${where} = 1' kann nicht übertragen werden. "
         "„${where}“ verweist auf Zeile 2, die nicht importiert wird."),
        ("fragen.xlsx · Blatt survey, Zelle A4", "Unbekannter Typ „foo“; welche Typen diese Anwendung liest, steht in "
         "docs/questionnaire-format.md im Abschnitt XLSForm."),
        ("fragen.xlsx · Blatt survey, Zelle A5", "Die Auswahlliste „nolist“ steht nicht im Blatt choices (Listen dort: yn)."),
    ]
    items = problem_items(refused.get_data(as_text=True))
    for item in expected:
        assert item in items, (item, items)
    assert text.count("Warnung:") == 2  # the skipped column and row; the errors are not marked
    for english_words in ("is skipped", "cannot be translated", "not imported", "(row 2)", "at character", "nknown type",
                          "is not in the choices sheet", "Kurdish is ambiguous", "Sheet", "cell"):
        assert english_words not in text, english_words


def test_a_whole_row_is_named_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    refused = upload(designer, workbook(NO_NAME_COLUMN), "fragen.xlsx")
    text = page_text(refused)
    assert refused.status_code == 422
    assert problem_items(refused.get_data(as_text=True)) == [
        ("fragen.xlsx · Blatt survey, Zeile 1", "Dieses Blatt hat in seiner ersten Zeile keine Spalte „name“.")]
    assert "survey row 1" not in text and "has no column" not in text


def test_a_whole_row_stays_english_for_english_staff(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    designer.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = upload(designer, workbook(NO_NAME_COLUMN), "form.xlsx").get_data(as_text=True)
    assert problem_items(page) == [("form.xlsx · Sheet survey, row 1", "This sheet has no column 'name' in its first row.")]


def test_the_warnings_of_an_imported_xlsform_are_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    response = upload(designer, (SAMPLES / "ct_form_en_ar.xlsx").read_bytes(), "ct_form_en_ar.xlsx")
    assert response.status_code == 302
    text = page_text(designer.get(response.headers["Location"]))
    flashes = [(re.sub(r"<[^>]+>", "", place), sentence) for place, sentence in re.findall(
        r'(?s)<p class="flash warning"><span class="where">(.*?)</span> <span class="problem-text">(.*?)</span></p>', text)]
    assert ("ct_form_en_ar.xlsx · Blatt survey, Zelle A2", "Die Zeile vom Typ „start“ wird übersprungen: Das sind Metadaten "
            "über das Interview oder das Gerät, die bewusst nicht erhoben werden, damit die Befragten anonym bleiben.") in flashes
    assert ("ct_form_en_ar.xlsx · Blatt survey, Zelle L49", "Die Angabe constraint_message wird weggelassen: Ihr fehlt der "
            "Text in English (en), den jeder Text braucht.") in flashes
    assert "Die Zeile vom Typ „geopoint“ wird übersprungen: Standorte werden zum Schutz der Befragten nicht erhoben." in text
    assert any(place == "ct_form_en_ar.xlsx · Blatt survey, Zeile 1" for place, _ in flashes)  # a builder warning moved to its row
    for english_words in ("is skipped", "on purpose", "is left out", "becomes the code", "survey row", "Sheet"):
        assert english_words not in text, english_words


def test_a_yaml_syntax_error_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    cases = {
        # PyYAML's own words stay as the library writes them; the sentence around them is German
        b"title: a: b\n": ("kurz.yaml · Zeile 1", "YAML-Syntaxfehler: mapping values are not allowed here."),
        b"title: a\ntitle: b\n": ("kurz.yaml · Zeile 2", "Der Schlüssel 'title' kommt doppelt vor (zuerst in Zeile 1); "
                                                         "entfernen Sie einen davon."),
        b"title: a\x07\n": ("kurz.yaml · Zeile 1", "Das Zeichen U+0007 ist in einer YAML-Datei nicht erlaubt; entfernen Sie es "
                                                   "oder schreiben Sie es als \"\\u0007\" in doppelten Anführungszeichen."),
        b"title: !foo {a: 1}\n": ("kurz.yaml · Zeile 1", "Das YAML-Tag '!foo' ist nicht erlaubt; entfernen Sie es."),
    }
    for raw, expected in cases.items():
        refused = upload(designer, raw, "kurz.yaml")
        text = page_text(refused)
        assert refused.status_code == 422, raw
        assert problem_items(refused.get_data(as_text=True)) == [expected], (raw, text[text.find("<main"):][:1500])
        for english_words in ("YAML syntax error", "duplicate key", "is not allowed", "remove it"):
            assert english_words not in text, (raw, english_words)
