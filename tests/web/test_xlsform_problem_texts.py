"""Problems of XLSForm workbooks and YAML syntax in the staff's language: the XLSForm reader
(survey/questionnaire/formats/xlsform_reader.py) and the YAML reader (survey/questionnaire/formats/located_yaml.py)
give English templates with parameters, the staff pages translate them; the English texts the
CLI and the tests read stay as they were."""
from __future__ import annotations

import html
import io

from tests.web.test_problem_texts import german
from tests.unit.test_xlsform import workbook
from tests.unit.test_xlsform_problem_texts import BROKEN, CHOICES, NO_NAME_COLUMN
from tests.conftest import DATA


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
        "fragen.xlsx:1: Warnung: survey!D1: Die Spalte „label::Kurdish (ku)“ wird übersprungen: Kurdisch ist hier "
        "mehrdeutig: Benennen Sie die Spalte mit Kurmanji (kmr) oder Sorani (ckb).",
        "fragen.xlsx:2: Warnung: survey!A2: „geopoint“ (where) wird übersprungen: Standorte werden zum Schutz der "
        "Befragten nicht erhoben.",
        # three parts worded on their own, each translated: the reason, why the row is skipped, the position
        "fragen.xlsx:3: survey!E3: Die relevant-Bedingung '${where} = 1' kann nicht übertragen werden: „${where}“ "
        "(Zeile 2) wird nicht importiert: Standorte werden zum Schutz der Befragten nicht erhoben (bei Zeichen 1).",
        "fragen.xlsx:4: survey!A4: Unbekannter Typ „foo“; welche Typen diese Anwendung liest, steht in "
        "docs/questionnaire-format.md im Abschnitt XLSForm.",
        "fragen.xlsx:5: survey!A5: Die Auswahlliste „nolist“ steht nicht im Blatt choices (Listen dort: yn).",
    ]
    for line in expected:
        assert line in text, (line, text[text.find("<main"):][:3000])
    for english_words in ("is skipped", "cannot be translated", "not imported", "(row 2)", "at character", "unknown type",
                          "is not in the choices sheet", "Kurdish is ambiguous"):
        assert english_words not in text, english_words


def test_a_whole_row_is_named_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    refused = upload(designer, workbook(NO_NAME_COLUMN), "fragen.xlsx")
    text = page_text(refused)
    assert refused.status_code == 422
    assert "fragen.xlsx:1: survey, Zeile 1: Das Blatt „survey“ hat in seiner ersten Zeile keine Spalte „name“." in text
    assert "survey row 1" not in text and "has no column" not in text


def test_a_whole_row_stays_english_for_english_staff(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    designer.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    text = page_text(upload(designer, workbook(NO_NAME_COLUMN), "form.xlsx"))
    assert "form.xlsx:1: survey row 1: the sheet 'survey' has no column 'name' in its first row." in text


def test_the_warnings_of_an_imported_xlsform_are_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    response = upload(designer, (SAMPLES / "ct_form_en_ar.xlsx").read_bytes(), "ct_form_en_ar.xlsx")
    assert response.status_code == 302
    text = page_text(designer.get(response.headers["Location"]))
    assert ("ct_form_en_ar.xlsx:2: Warnung: survey!A2: „start“ (start) wird übersprungen: Das sind Metadaten über das "
            "Interview oder das Gerät, die bewusst nicht erhoben werden: Die Befragten bleiben anonym.") in text
    assert ("ct_form_en_ar.xlsx:49: Warnung: survey!L49: Die Angabe constraint_message wird weggelassen: Ihr fehlt der "
            "Text in English (en), den jeder Text braucht.") in text
    assert "„geopoint“ (gpslocation) wird übersprungen: Standorte werden zum Schutz der Befragten nicht erhoben." in text
    assert "ct_form_en_ar.xlsx:1: Warnung: survey, Zeile 1: " in text  # a builder warning moved to its row
    for english_words in ("is skipped", "on purpose", "is left out", "becomes the code", "survey row"):
        assert english_words not in text, english_words


def test_a_yaml_syntax_error_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    cases = {
        # PyYAML's own words stay as the library writes them; the sentence around them is German
        b"title: a: b\n": "kurz.yaml:1: YAML-Syntaxfehler: mapping values are not allowed here",
        b"title: a\ntitle: b\n": "kurz.yaml:2: Der Schlüssel 'title' kommt doppelt vor (zuerst in Zeile 1); entfernen Sie "
                                 "einen davon",
        b"title: a\x07\n": "kurz.yaml:1: Das Zeichen U+0007 ist in einer YAML-Datei nicht erlaubt; entfernen Sie es oder "
                           "schreiben Sie es als \"\\u0007\" in doppelten Anführungszeichen",
        b"title: !foo {a: 1}\n": "kurz.yaml:1: Das YAML-Tag '!foo' ist nicht erlaubt; entfernen Sie es",
    }
    for raw, expected in cases.items():
        refused = upload(designer, raw, "kurz.yaml")
        text = page_text(refused)
        assert refused.status_code == 422, raw
        assert expected in text, (raw, text[text.find("<main"):][:1500])
        for english_words in ("YAML syntax error", "duplicate key", "is not allowed", "remove it"):
            assert english_words not in text, (raw, english_words)
