"""Problems the questionnaire builder finds in the data of a YAML or XLSForm file, in the staff's
language: survey/questionnaire/builder.py gives English templates (marked with staff_text where
written) with parameters, parts worded on their own (" Did you mean 'x'?", "a list", a line
reference) as Phrases; the upload page and the web editor show them in German."""
from __future__ import annotations

import html
import io
import re

from tests.unit.test_builder_problem_texts import BROKEN, GOOD
from tests.web.test_problem_texts import german, problem_items


def upload(staff, text: str, name: str = "kurz.yaml"):
    return staff.post("/staff/questionnaires/upload", {"file": (io.BytesIO(text.encode()), name)},
                      content_type="multipart/form-data")


def test_a_refused_questionnaire_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    refused = upload(designer, BROKEN.replace("label: {de: Stunden, en: Hours}", "label: {en: Hours}"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    items = dict(problem_items(page))
    assert items["kurz.yaml · Zeile 11 · sections[0].questions[0].lable"].startswith(
        "Unbekannter Schlüssel „lable“. Meinten Sie „label“? Hier zulässig: audio, code,")
    assert items["kurz.yaml · Zeile 12 · sections[0].questions[1].code"] == (
        "Der Fragecode „arbeit“ kommt doppelt vor (zuerst in Zeile 9); Codes müssen im ganzen Fragebogen eindeutig sein.")
    assert items["kurz.yaml · Zeile 14 · sections[0].questions[1].label"] == (
        "Die Übersetzung „de“ fehlt; jeder Text braucht die Standardsprache.")
    assert items["kurz.yaml · Zeile 18 · sections[0].questions[2].options"] == (
        "„options“ muss eine Liste sein (Zeilen, die mit „- “ beginnen), ist aber der Wert 'nein' (str).")
    page = html.unescape(page)
    assert not re.search(r"unknown|duplicate|missing|must be|Did you mean|not the", page), page[page.find("<main"):][:2000]


def test_an_accepted_questionnaire_warns_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    accepted = upload(designer, GOOD)
    assert accepted.status_code == 302
    page = html.unescape(designer.get(accepted.headers["Location"]).get_data(as_text=True))
    flash = re.search(r'(?s)<p class="flash warning">(.*?)</p>', page)
    assert flash, page[page.find("<main"):][:2000]
    place = re.search(r'(?s)<span class="where">(.*?)</span> <span class="problem-text">(.*?)</span>', flash.group(1))
    assert re.sub(r"<[^>]+>", "", place.group(1)) == "kurz.yaml · Zeile 4 · languages"
    assert place.group(2) == "Für „en“ fehlen 4 Texte; ersatzweise wird de gezeigt."
    assert "lacks" not in page


EDIT = "/staff/q/needs-assessment/edit"


def test_the_editor_puts_builder_problems_at_their_fields_in_german(app, db_session_factory, bundled):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    # A missing translation belongs to the field of that language.
    form = {"default_language": "de", "title.de": "Bedarf", "title.en": "Needs", "offered.de": "on",
            "offered.en": "on", "offered.ar": "on"}
    refused = designer.post(f"{EDIT}/settings", form)
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    field_error = re.search(r'id="f-title-ar-error">(.*?)</p>', page, re.S)
    assert field_error, page[page.find("<main"):][:2000]
    assert "Die Übersetzung „ar“ fehlt; ergänzen Sie „ar: ...“ oder markieren Sie die Sprache als unvollständig" in field_error.group(1)
    assert "missing the" not in page
    # A condition that would use a later question: no line reference, the editor has no lines.
    refused = designer.post(f"{EDIT}/move", {"kind": "question", "code": "barriers", "direction": "up"})
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and 'id="f-barriers"' in page
    assert ("„condition“ verweist auf „knows_where“, die erst später kommt; „condition“ darf nur Fragen verwenden, "
            "die vorher gestellt werden.") in page
    assert "Zeile" not in page[page.find("<main"):] and "comes later" not in page
