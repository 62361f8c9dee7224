"""Problems the questionnaire builder finds in the data of a YAML or XLSForm file, in the staff's
language: survey/questionnaire/builder.py gives whole English sentences (marked with staff_text
where written) with parameters, a variant of its own where a sentence differs (with "Did you mean
'x'?", with a line reference, for the kind of value found); the upload page shows them in German
with the file, line and path beside them, the web editor at the field that caused them."""
from __future__ import annotations

import pytest

from survey.languages import MISLEADING_TAGS
from survey.questionnaire import QuestionnaireError, load_questionnaire_text
from survey.questionnaire.builder import MISSING_TRANSLATION

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
    assert ("kurz.yaml:15: sections[0].questions[1].label: The 'de' translation is missing; every text needs the default language."
            in lacking)
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
    assert duplicate.code == "duplicate_question_code" and duplicate.params["line"] == 9
    assert "(first at line %(line)s)" in duplicate.template
    missing = by_path["sections[0].questions[1].label"]
    assert missing.code == MISSING_TRANSLATION and missing.params == {"language": "de"}
    # Without lines to refer to (the web editor), the same problem is its other whole sentence.
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(broken, "kurz.yaml", line_references=False)
    duplicate = next(p for p in caught.value.problems if p.code == "duplicate_question_code")
    assert duplicate.message == "The question code 'arbeit' appears twice; codes must be unique in the questionnaire."
