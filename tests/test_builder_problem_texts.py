"""Problems the questionnaire builder finds in the data of a YAML or XLSForm file, in the staff's
language: survey/questionnaire/builder.py gives whole English sentences (marked with staff_text
where written) with parameters, a variant of its own where a sentence differs (with "Did you mean
'x'?", with a line reference, for the kind of value found); the upload page shows them in German
with the file, line and path beside them, the web editor at the field that caused them."""
from __future__ import annotations

import html
import io
import re

import pytest

from survey.languages import MISLEADING_TAGS
from survey.questionnaire import QuestionnaireError, load_questionnaire_text
from survey.questionnaire.builder import MISSING_TRANSLATION

from tests.test_problem_texts import german, problem_items

GOOD = """\
slug: kurz
title: {de: Kurz}
default_language: de
languages: [de, {code: en, partial: true}]
sections:
  - code: eins
    title: {de: Eins}
    questions:
      - code: arbeit
        type: yes_no
        label: {de: Arbeit}
      - code: stunden
        type: number
        condition: "arbeit == 'yes'"
        label: {de: Stunden}
"""

# Composed messages: a hint (Did you mean), a kind (not the str ...), a line reference.
BROKEN = """\
slug: kurz
title: {de: Kurz}
default_language: de
languages: [de, {code: en, partial: true}]
sections:
  - code: eins
    title: {de: Eins}
    questions:
      - code: arbeit
        type: yes_no
        lable: {de: Arbeit}
      - code: arbeit
        type: number
        label: {de: Stunden, en: Hours}
      - code: wohnen
        type: single_choice
        label: {de: Wohnen, en: Housing}
        options: nein
"""


def problems(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "kurz.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_the_english_texts_stay_as_they_were():
    found = problems(BROKEN)
    assert ("kurz.yaml:11: sections[0].questions[0].lable: Unknown key 'lable'. Did you mean 'label'? Allowed here: "
            "audio, code, condition, constraint, constraint_message, decimals, hint, label, max, max_length, min, options, "
            "other, required, type.") in found
    assert ("kurz.yaml:12: sections[0].questions[1].code: The question code 'arbeit' appears twice (first at line 9); "
            "codes must be unique in the questionnaire.") in found
    assert ("kurz.yaml:18: sections[0].questions[2].options: 'options' must be a list (lines starting with '- '), "
            "not the str 'nein'.") in found
    lacking = problems(GOOD.replace("label: {de: Stunden}", "label: {en: Hours}"))
    assert "kurz.yaml:15: sections[0].questions[1].label: The 'de' translation is missing; every text needs the default language." in lacking
    later = problems(GOOD.replace("arbeit == 'yes'", "pause == 'yes'") + "      - {code: pause, type: yes_no, label: {de: P}}\n")
    assert ("kurz.yaml:14: sections[0].questions[1].condition: The condition refers to 'pause', which comes later (line 16); "
            "a condition may only use questions asked before it.") in later
    unknown = problems(GOOD.replace("type: number", "type: zahl"))  # nothing close: the variant without "Did you mean"
    assert "kurz.yaml:13: sections[0].questions[1].type: Unknown question type 'zahl'. Known types: " in "".join(unknown)


def test_a_misleading_language_tag_keeps_the_advice_of_survey_languages():
    for tag, sentence in MISLEADING_TAGS.items():
        found = problems(GOOD.replace("{code: en, partial: true}", f"'{tag}'"))
        assert f"kurz.yaml:4: languages[1].code: {sentence % {'tag': tag}}" in found


def test_the_fallback_warning_counts_its_texts():
    loaded = load_questionnaire_text(GOOD, "kurz.yaml")
    assert [str(w) for w in loaded.warnings] == ["kurz.yaml:4: languages: warning: 'en' lacks 4 texts; they fall back to de."]
    one = load_questionnaire_text(GOOD.replace("{de: Kurz}", "{de: Kurz, en: Short}").replace("{de: Eins}", "{de: Eins, en: One}")
                                  .replace("{de: Arbeit}", "{de: Arbeit, en: Work}"), "kurz.yaml")
    assert [w.message for w in one.warnings] == ["'en' lacks 1 text; it falls back to de."]


def test_line_references_and_missing_translations_are_parameters():
    broken = BROKEN.replace("label: {de: Stunden, en: Hours}", "label: {en: Hours}")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(broken, "kurz.yaml")
    by_path = {problem.where.path: problem for problem in caught.value.problems}
    duplicate = by_path["sections[0].questions[1].code"]
    assert duplicate.code == "duplicate_question_code" and duplicate.params["line"] == 9 and "(first at line %(line)s)" in duplicate.template
    missing = by_path["sections[0].questions[1].label"]
    assert missing.code == MISSING_TRANSLATION and missing.params == {"language": "de"}
    # Without lines to refer to (the web editor), the same problem is its other whole sentence.
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(broken, "kurz.yaml", line_references=False)
    duplicate = next(p for p in caught.value.problems if p.code == "duplicate_question_code")
    assert duplicate.message == "The question code 'arbeit' appears twice; codes must be unique in the questionnaire."


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
