"""XLSForm import and export: expressions both ways, the loader on made-up and real forms, the
respondent flow of an imported form, round trips, hostile files, and the command line.

Test workbooks are built here with openpyxl; the two real forms in tests/data/xlsform/ are
public samples (see the README there)."""
from __future__ import annotations

import contextlib
import io
import random
import zipfile

import openpyxl
import pytest

from survey.questionnaire import (
    IntegrationField,
    QuestionnaireError,
    QuestionType,
    load_questionnaire_file,
    load_questionnaire_path,
    load_questionnaire_text,
    load_questionnaire_upload,
)
from survey.questionnaire.conditions.expression import parse_condition
from survey.questionnaire.formats.xlsform_expressions import (
    ExpressionError,
    UnsupportedExpression,
    condition_to_xlsform,
    xlsform_to_condition,
)
from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes, resolve_language
from survey.questionnaire.formats.xlsform_writer import write_xlsform
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from tests.conftest import BUNDLED, DATA, ROOT

SAMPLES = DATA / "xlsform"


BUNDLED_FILES = sorted(BUNDLED.glob("*.yaml")) + [DATA / "audio-demo.yaml"]


def workbook(survey, choices=None, settings=None, extra=None) -> bytes:
    """An .xlsx with the given sheets, each a list of rows (the first row is the header)."""
    book = openpyxl.Workbook()
    book.active.title = "survey"
    sheets = {"survey": survey, "choices": choices, "settings": settings, **(extra or {})}
    for name, rows in sheets.items():
        if rows is None:
            continue
        sheet = book["survey"] if name == "survey" else book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ("type", "name", "label::English (en)", "label::Arabic (ar)", "hint::English (en)", "hint::Arabic (ar)",
          "required", "relevant", "constraint", "constraint_message::English (en)", "constraint_message::Arabic (ar)",
          "appearance", "interviewer notes")


SURVEY = [
    HEADER,
    ("start", "start"),
    ("begin_group", "work", "Work", "العمل"),
    ("select_one yes_no", "has_job", "Do you have a job?", "هل لديك عمل؟", None, None, "yes"),
    ("integer", "hours", "Hours per week", "ساعات في الأسبوع", None, None, "TRUE", "${has_job} = 'yes'",
     ". >= 1 and . <= 80"),
    ("select_multiple help_list or_other", "help", "What help do you need?", "ما المساعدة التي تحتاجها؟",
     "Choose all that apply", "اختر كل ما ينطبق", "T"),
    ("integer", "age_started", "Age when you started work", "العمر عند بدء العمل", None, None, 1, None,
     ". = 0 or . >= 16", "0, or at least 16", "صفر أو ١٦ على الأقل"),
    (),  # a blank row, as real forms have
    ("end_group", "work"),
    ("begin group", "housing", "Housing", "السكن", "About your flat", "عن شقتك", None, "count-selected(${help}) > 0"),
    ("text", "remarks", "Anything else?", "هل هناك شيء آخر؟", None, None, "no", "not(selected(${help}, 'none'))",
     None, None, None, "multiline"),
    ("end group",),
]


CHOICES = [
    ("list name", "name", "label::English (en)", "label::Arabic (ar)"),
    ("yes_no", "yes", "Yes", "نعم"),
    ("yes_no", "no", "No", "لا"),
    (),
    ("help_list", "cv", "Writing a CV", "كتابة السيرة الذاتية"),
    ("help_list", "course", "A language course", "دورة لغة"),
    ("help_list", "none", "None of these", "لا شيء من هذا"),
]


SETTINGS = [("form_title", "form_id", "default_language"), ("Work and housing", "job_needs", "English (en)")]


def job_form() -> bytes:
    return workbook(SURVEY, CHOICES, SETTINGS, extra={"notes": [("anything",), ("ignored",)]})


def refused(raw: bytes, name: str = "form.xlsx") -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load_xlsform_bytes(raw, name)
    return [str(problem) for problem in caught.value.errors]


def warnings_of(loaded) -> list[str]:
    return [str(warning) for warning in loaded.warnings]


# --- expressions ----------------------------------------------------------------------------


@pytest.mark.parametrize("expression, condition", [
    ("${a} = 'yes'", "a == 'yes'"),
    ("${a}='yes' or ${a} <> 'no'", "a == 'yes' or a != 'no'"),
    ("selected(${b}, 'x') and not(selected(${b},'y'))", "selected(b, 'x') and not selected(b, 'y')"),
    ("count-selected(${b}) >= 2", "count(b) >= 2"),
    ("${n} * 2 div 3 - 1 < ${m} + 4", "n * 2 / 3 - 1 < m + 4"),
    ("-${n} > -3.5", "-n > -3.5"),
    ("${a} != ''", "answered(a)"),
    ("'' = ${a}", "not answered(a)"),
    ("not(${a} = 'x' or ${n} > 2) and true()", "not (a == 'x' or n > 2) and true"),
    (". >= 18 and . < 120", "me >= 18 and me < 120"),
    ("(not(selected(., 'dk')) and not(selected(., 'no'))) or count-selected(.) = 1",
     "not selected(me, 'dk') and not selected(me, 'no') or count(me) == 1"),
    ('${a} = "it\'s"', "a == 'it\\'s'"),
])
def test_xlsform_expressions_translate_to_conditions_and_back(expression, condition):
    translated = xlsform_to_condition(expression, current="me")
    assert translated.source == condition
    parse_condition(translated.source)  # valid in the condition language
    back = condition_to_xlsform(translated, current="me")
    assert xlsform_to_condition(back, current="me") == translated


@pytest.mark.parametrize("condition, expression", [
    ("count(help_areas) > 0 and not selected(help_areas, 'none')",
     "count-selected(${help_areas}) > 0 and not(selected(${help_areas}, 'none'))"),
    ("'housing' in help_areas", "selected(${help_areas}, 'housing')"),
    ("'housing' not in help_areas", "not(selected(${help_areas}, 'housing'))"),
    ("answered(year) and year / 2 > 1000", "${year} != '' and ${year} div 2 > 1000"),
    ("(a == 1) == true", "${a} = 1 = true()"),
    ("a == null", "${a} = ''"),
])
def test_conditions_become_xlsform_expressions(condition, expression):
    assert condition_to_xlsform(parse_condition(condition)) == expression


@pytest.mark.parametrize("expression, token", [
    ("regex(., '^[0-9]+$')", "regex()"),
    ("position(..) <= ${n}", ".."),
    ("pulldata('prices', 'price', 'item', ${item}) > 3", "pulldata()"),
    ("string-length(${name}) > 3", "string-length()"),
    ("${date} < today()", "today()"),
    ("jr:choice-name(${a}, '${a}') = 'Yes'", "jr:choice-name()"),
    ("if(${a} = 'x', 1, 0) = 1", "if()"),
    ("${n} mod 2 = 0", "mod"),
    ("/data/a = 'x'", "/"),
    ("a = 'x'", "a"),
])
def test_unsupported_expressions_name_what_is_unsupported(expression, token):
    with pytest.raises(UnsupportedExpression) as caught:
        xlsform_to_condition(expression, current="me")
    assert caught.value.token == token
    assert token in str(caught.value)


@pytest.mark.parametrize("expression", ["", "${a} = ", "${a} = 'open", "(${a} = 'x'", "${a} = ‘x’", "$a = 1",
                                        "selected(${a})", "count-selected('x') > 1", "(" * 60 + "1" + ")" * 60])
def test_broken_expressions_raise_a_clear_error(expression):
    with pytest.raises(ExpressionError):
        xlsform_to_condition(expression)


def test_language_columns_resolve_by_code_or_english_name():
    assert resolve_language("Arabic (ar)")[0] == "ar"
    assert resolve_language("english")[0] == "en"
    assert resolve_language("Farsi")[0] == "fa" and resolve_language("Persian (fa)")[0] == "fa"
    assert resolve_language("Dari (prs)")[0] == "prs" and resolve_language("Dari (fa-AF)")[0] == "prs"
    assert resolve_language("Kurmanji")[0] == "kmr" and resolve_language("Sorani (ckb)")[0] == "ckb"
    assert resolve_language("Deutsch")[0] == "de" and resolve_language("ar-SY")[0] == "ar"
    assert resolve_language("Tigrinya (ti)")[0] == "ti" and resolve_language("Somali")[0] == "so"
    tag, why = resolve_language("Kurdish (ku)")
    assert tag is None and why == "kurdish"
    assert resolve_language("Swahili (sw)")[0] is None


# --- the YAML keys XLSForms need: constraint, constraint_message, option conditions ----------

KEYS = """\
slug: keys
default_language: de
languages: [de, ar]
title: {de: Schlüssel, ar: مفاتيح}
districts:
  - {code: nord, label: {de: Nord, ar: الشمال}}
sections:
  - code: s
    title: {de: S, ar: س}
    questions:
      - code: country
        type: single_choice
        label: {de: Land, ar: البلد}
        options:
          - {code: sy, label: {de: Syrien, ar: سوريا}}
          - {code: ua, label: {de: Ukraine, ar: أوكرانيا}}
      - code: city
        type: multiple_choice
        label: {de: Stadt, ar: المدينة}
        options:
          - {code: aleppo, condition: "country == 'sy'", label: {de: Aleppo, ar: حلب}}
          - {code: kyiv, condition: "country == 'ua'", label: {de: Kyjiw, ar: كييف}}
          - {code: lviv, condition: "country == 'ua'", label: {de: Lwiw, ar: لفيف}}
      - code: size
        type: number
        constraint: "size == 0 or size >= 16"
        constraint_message: {de: "0 oder ab 16", ar: "صفر أو ١٦ على الأقل"}
        label: {de: Größe, ar: الحجم}
      - {code: size_other, type: text, label: {de: Anderes, ar: آخر}}
"""


def test_constraints_and_option_conditions_load_and_write_back():
    q = load_questionnaire_text(KEYS, "keys.yaml").questionnaire
    assert q.question("size").constraint.source == "size == 0 or size >= 16"
    assert q.question("size").constraint_message.get("ar") == "صفر أو ١٦ على الأقل"
    assert [o.condition.source for o in q.question("city").options][1] == "country == 'ua'"
    assert q.has_question("size_other")  # 'size' has no "other" text to clash with
    assert load_questionnaire_text(dump_questionnaire(q)).questionnaire == q


@pytest.mark.parametrize("change, message", [
    (("size == 0 or size >= 16", "size == 0 or later >= 16"), "The constraint refers to an unknown question 'later'"),
    (("condition: \"country == 'sy'\"", "condition: \"city == 'sy'\""), "The condition refers to 'city', which comes later"),
    (("condition: \"country == 'ua'\", label: {de: Kyjiw", "condition: \"country == 'pl'\", label: {de: Kyjiw"),
     "'country' has no option 'pl'"),
    (("{code: nord, label", "{code: nord, condition: \"country == 'sy'\", label"), "A district cannot have a condition"),
    (('        constraint: "size == 0 or size >= 16"\n', ""), "A constraint_message needs a 'constraint'"),
    (("type: number\n        constraint", "type: number\n        other: true\n        constraint"), "'other' does not apply"),
])
def test_broken_constraints_and_option_conditions_are_refused(change, message):
    text = KEYS.replace(*change)
    assert text != KEYS
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "keys.yaml")
    assert message in str(caught.value)


def test_a_question_coded_like_the_other_text_of_a_question_with_other_is_refused():
    text = KEYS.replace("      - code: size\n        type: number\n",
                        "      - code: size\n        type: single_choice\n        other: true\n        options:\n"
                        "          - {code: a, label: {de: A, ar: أ}}\n          - {code: b, label: {de: B, ar: ب}}\n")
    text = text.replace('        constraint: "size == 0 or size >= 16"\n'
                        '        constraint_message: {de: "0 oder ab 16", ar: "صفر أو ١٦ على الأقل"}\n', "")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "keys.yaml")
    assert "'size_other' would clash with the 'other' text of question 'size'" in str(caught.value)


def test_pages_offer_only_the_options_that_fit_and_check_constraints():
    from survey.respondent.page_answers import offered_options, prune_hidden, question_is_visible, read_page

    q = load_questionnaire_text(KEYS, "keys.yaml").questionnaire
    city = q.question("city")
    assert not question_is_visible(city, {})  # nothing to offer before the country is known
    assert [o.code for o in offered_options(city, {"country": "ua"})] == ["kyiv", "lviv"]
    section = q.sections[0]
    result = read_page(q, section, {"country": ["ua"], "city": ["kyiv", "aleppo"], "size": ["5"]}, {})
    assert {(e.question_code, e.kind) for e in result.errors} == {("city", "invalid_option"), ("size", "constraint")}
    size_error = next(e for e in result.errors if e.kind == "constraint")
    assert size_error.params["message"].get("ar") == "صفر أو ١٦ على الأقل"
    result = read_page(q, section, {"country": ["ua"], "city": ["kyiv"], "size": ["0"], "size_other": ["x"]}, {})
    assert result.errors == [] and result.answers == {"country": "ua", "city": ["kyiv"], "size": 0, "size_other": "x"}
    # a changed country takes away a city that is no longer offered
    assert prune_hidden(q, {"country": "sy", "city": ["kyiv"], "size": 0}) == {"country": "sy", "size": 0}


# --- the loader -----------------------------------------------------------------------------


def test_an_arabic_and_english_xlsform_imports():
    loaded = load_xlsform_bytes(job_form(), "job.xlsx")
    q = loaded.questionnaire
    assert loaded.source_format == "xlsform" and loaded.source_name == "job.xlsx"
    assert q.slug == "job-needs" and q.default_language == "en" and q.language_codes == ("en", "ar")
    assert q.title.get("en") == "Work and housing"
    work, housing = q.sections
    assert work.field == IntegrationField.WORK and work.title.get("ar") == "العمل"
    assert housing.field == IntegrationField.HOUSING and housing.intro.get("en") == "About your flat"
    assert housing.condition.source == "count(help) > 0"
    hours = q.question("hours")
    assert hours.required and hours.condition.source == "has_job == 'yes'"
    assert (hours.minimum, hours.maximum, hours.constraint) == (1, 80, None)
    help_q = q.question("help")
    assert help_q.type is QuestionType.MULTIPLE_CHOICE and help_q.other and help_q.required
    assert [o.code for o in help_q.all_options()] == ["cv", "course", "none", "other"]
    assert help_q.hint.get("ar") == "اختر كل ما ينطبق"
    age = q.question("age_started")
    assert age.constraint.source == "age_started == 0 or age_started >= 16"
    assert age.constraint_message.get("ar") == "صفر أو ١٦ على الأقل" and age.required
    assert q.question("remarks").type is QuestionType.LONG_TEXT and not q.question("remarks").required
    assert not q.has_question("start")
    assert any("survey!A2" in w and "not collected, on purpose" in w for w in warnings_of(loaded))
    # The stored source is the YAML the rest of the application reads.
    assert load_questionnaire_text(loaded.source, "job.xlsx").questionnaire == q


def test_header_and_cell_quirks_of_real_forms():
    survey = [
        ("Type", "Name", "Label::english", "label::Kurdish", "label::Swahili (sw)", "Required", "Relevance", "comments"),
        ("Begin Group", "language", "Language"),
        ("select one levels", "level", "Your German?", "?", "?", "TRUE"),
        ("select_one levels", "level2", "Again?", None, None, "${level} = 'a1'", "${level} = 'a1'", "ask twice"),
        ("integer", "kidsCount", "Children", None, None, 0),
        ("End Group",),
        ("decimal", "weight", "Weight"),
        ("range", "mood", "Mood", None, None, "1"),
        ("note", "bye", "Thank you", None, None, "yes"),
    ]
    choices = [("list_name", "name", "label::english"), ("levels", "a1", "A1"), ("levels", 2, "Level two"),
               ("levels", 3.0, "Three")]
    loaded = load_xlsform_bytes(workbook(survey, choices), "Quirks Form.xlsx")
    q = loaded.questionnaire
    assert q.slug == "quirks-form" and q.language_codes == ("en",)
    assert q.sections[0].field == IntegrationField.LANGUAGE
    assert [s.code for s in q.sections] == ["language", "general"]
    assert q.question("level").required and q.question("level").type is QuestionType.SINGLE_CHOICE
    assert [o.code for o in q.question("level").options] == ["a1", "2", "3"]
    assert not q.question("level2").required  # an expression, not yes/no
    assert q.question("kids_count").type is QuestionType.NUMBER
    assert q.question("weight").decimals
    mood = q.question("mood")
    assert mood.type is QuestionType.SCALE and [o.code for o in mood.options] == [str(n) for n in range(1, 11)]
    assert q.question("bye").type is QuestionType.INFO and not q.question("bye").required
    text = "\n".join(warnings_of(loaded))
    assert "survey!D1: warning: The column 'label::Kurdish' is skipped" in text and "Kurmanji (kmr) or Sorani (ckb)" in text
    assert "survey!E1: warning: The column 'label::Swahili (sw)' is skipped" in text
    assert "survey!F4: warning: The required value" in text and "not required" in text
    assert "'kidsCount' becomes the code 'kids_count'" in text
    assert "survey!A8" in text and "becomes a scale" in text


def test_audio_columns_become_audio_clips():
    survey = [("type", "name", "label::Arabic (ar)", "media::audio::Arabic (ar)", "audio::English (en)", "label::English (en)"),
              ("select_one yn", "ok", "حسنا؟", "ok-ar.opus", "ok en.mp3", "OK?")]
    choices = [("list_name", "name", "label::Arabic (ar)", "label::English (en)", "media::audio::Arabic (ar)"),
               ("yn", "yes", "نعم", "Yes", "yes-ar.ogg"), ("yn", "no", "لا", "No", None)]
    loaded = load_xlsform_bytes(workbook(survey, choices), "audio.xlsx")
    question = loaded.questionnaire.question("ok")
    assert dict(question.audio.translations) == {"ar": "ok-ar.opus"}
    assert dict(question.options[0].audio.translations) == {"ar": "yes-ar.ogg"} and question.options[1].audio is None
    assert any("survey!E2: warning: The audio file 'ok en.mp3' is skipped" in w for w in warnings_of(loaded))
    assert loaded.questionnaire.default_language == "ar"  # the first label column


def test_nested_groups_are_flattened_and_keep_their_logic():
    survey = [
        ("type", "name", "label", "relevant"),
        ("select_one yn", "adult", "Adult?"),
        ("begin_group", "health", "Health", "${adult} = 'yes'"),
        ("begin_group", "inner", "Inner", "${adult} != 'no'"),
        ("text", "doctor", "Your doctor?", "${adult} != ''"),
        ("end_group",),
        ("end_group",),
        ("text", "last", "Last"),
    ]
    loaded = load_xlsform_bytes(workbook(survey, [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")]), "n.xlsx")
    q = loaded.questionnaire
    assert [s.code for s in q.sections] == ["general", "health", "general_2"]
    assert q.section("health").condition.source == "adult == 'yes'"
    assert q.question("doctor").condition.source == "adult != 'no' and answered(adult)"
    assert any("survey!A4" in w and "inside the group 'health'" in w for w in warnings_of(loaded))


def test_untranslatable_or_dangling_logic_is_reported_by_cell():
    survey = [
        ("type", "name", "label", "relevant", "constraint", "choice_filter"),
        ("geopoint", "where", "Where are you?"),
        ("select_one yn", "ok", "OK?"),
        ("text", "why", "Why?", "regex(${ok}, 'y')"),
        ("text", "where_else", "Where else?", "${where} != ''"),
        ("text", "nowhere", "?", "${nobody} = 'x'"),
        ("text", "code", "Code", None, "regex(., '^[A-Z]+$')"),
        ("integer", "size", "Size", "${ok} = 'maybe'", ". < ${where}"),
        ("select_one yn", "pick", "Pick", None, None, "string-length(name) > 2"),
    ]
    errors = refused(workbook(survey, [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")]))
    text = "\n".join(errors)
    assert ("form.xlsx: survey!D4: character 1: The relevant \"regex(${ok}, 'y')\" cannot be translated. 'regex()' is not "
            "supported: answers are not checked against patterns.") in text
    assert "survey!D5" in text and "'${where}' refers to row 2, which is not imported." in text
    assert "survey!D6" in text and "There is no question named 'nobody'" in text
    assert "survey!D8: 'ok' has no option 'maybe'" in text  # an unknown option, as in YAML
    assert len(errors) == 4  # constraints and choice filters only warn
    survey = [row for row in survey if row[1] not in ("why", "where_else", "nowhere", "size")]
    loaded = load_xlsform_bytes(workbook(survey, [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")]), "form.xlsx")
    text = "\n".join(warnings_of(loaded))
    assert "survey!E4: character 1: warning: The constraint" in text and "'regex()' is not supported" in text and "dropped" in text
    assert "survey!F5: character 1: warning: The choice_filter" in text and "all choices of 'yn' are offered" in text
    assert loaded.questionnaire.question("code").constraint is None


def test_builder_problems_point_at_the_cell():
    survey = [("type", "name", "label::English (en)", "label::German (de)"),
              ("integer", "age", "Age"),  # no German label: German becomes partial, with a warning
              ("text", "age", "Again", "Nochmal"),
              ("select_one missing", "pick", "Pick", "Wähle"),
              ("integer", "response_id", "ID", "ID")]
    errors = refused(workbook(survey, [("list_name", "name", "label::English (en)")]))
    text = "\n".join(errors)
    assert "form.xlsx: survey!B3: The question code 'age' appears twice" in text
    assert "form.xlsx: survey!A4: The choice list 'missing' is not in the choices sheet" in text
    assert "form.xlsx: survey!B5: 'response_id' is reserved" in text


def test_a_workbook_without_usable_languages_is_refused():
    errors = refused(workbook([("type", "name", "label::Swahili (sw)"), ("text", "a", "Habari")]))
    assert any("No label column is in a language this product offers" in e for e in errors)


def test_choice_filters_become_option_conditions():
    survey = [("type", "name", "label", "choice_filter"),
              ("select_one countries", "country", "Country"),
              ("select_one cities", "city", "City", "country=${country}"),
              ("select_multiple cities", "visited", "Visited", "selected(${country}, country) or country = 'any'")]
    choices = [("list_name", "name", "label", "country"),
               ("countries", "sy", "Syria"), ("countries", "ua", "Ukraine"),
               ("cities", "aleppo", "Aleppo", "sy"), ("cities", "kyiv", "Kyiv", "ua"), ("cities", "lviv", "Lviv", "ua"),
               ("cities", "else", "Elsewhere", "any")]
    loaded = load_xlsform_bytes(workbook(survey, choices), "f.xlsx")
    q = loaded.questionnaire
    assert [o.condition.source for o in q.question("city").options] == [
        "country == 'sy'", "country == 'ua'", "country == 'ua'", "false"]
    assert "f.xlsx: choices!B7: warning: The choice 'else' of 'city' is never offered" in "\n".join(warnings_of(loaded))
    assert [o.condition.source if o.condition else None for o in q.question("visited").options] == [
        "selected(country, 'sy')", "selected(country, 'ua')", "selected(country, 'ua')", None]


# --- real forms -----------------------------------------------------------------------------


def test_the_real_en_ar_form_imports_with_a_warning_per_unsupported_row():
    loaded = load_questionnaire_path(SAMPLES / "ct_form_en_ar.xlsx")
    q = loaded.questionnaire
    text = "\n".join(warnings_of(loaded))
    for row, what in ((2, "'start'"), (3, "'end'"), (4, "'today'"), (5, "'audit'"), (6, "'deviceid'")):
        assert f"ct_form_en_ar.xlsx: survey!A{row}: warning: The {what} row is skipped" in text and "on purpose" in text
    assert "ct_form_en_ar.xlsx: survey!A235: warning: The 'geopoint' row is skipped" in text
    assert "ct_form_en_ar.xlsx: survey!J233: character 1: warning: The constraint" in text and "'regex()'" in text
    assert q.language_codes == ("en", "ar") and q.language_spec("ar").partial
    assert [s.code for s in q.sections][:3] == ["general", "hh_info", "socio_ec_info"]
    assert q.question("will_to_response_r").condition.source == "selected(hhh_r, 'no')"
    assert (q.question("age_respondent_r").minimum, q.question("age_respondent_r").maximum) == (18, 119)
    assert q.question("consent_remote").constraint.source == "consent_remote == 'yes'"
    assert q.question("gps_point_interview").options[0].condition.source == "neighbourhood == 'al_askary1'"
    assert not q.has_question("gpslocation") and not q.has_question("deviceid")
    assert load_questionnaire_text(loaded.source).questionnaire == q


def test_the_real_form_with_a_repeat_imports_what_is_outside_the_repeat():
    loaded = load_questionnaire_path(SAMPLES / "liberia_std_small.xlsx")
    q = loaded.questionnaire
    assert q.slug == "liberia-std-form" and q.title.get("en") == "Liberia Anthropometric Standardisation"
    assert [question.code for question in q.questions()] == ["id", "repeat_num"]
    text = "\n".join(warnings_of(loaded))
    assert ("survey!A7: warning: The repeat 'repeat1' (up to row 17) is skipped with its questions (weight, muac, oedema, "
            "heightInit, lenHeight)") in text
    assert "taken as English (en)" in text


# --- round trips ----------------------------------------------------------------------------


def test_xlsform_import_export_import_keeps_everything():
    first = load_xlsform_bytes(job_form(), "job.xlsx")
    second = load_xlsform_bytes(write_xlsform(first.questionnaire), "job-export.xlsx")
    assert second.source == first.source
    assert second.questionnaire == first.questionnaire
    real = load_questionnaire_path(SAMPLES / "ct_form_en_ar.xlsx")
    again = load_xlsform_bytes(write_xlsform(real.questionnaire), "ct.xlsx")
    assert again.source == real.source


@pytest.mark.parametrize("path", BUNDLED_FILES, ids=lambda p: p.name)
def test_yaml_questionnaires_survive_xlsform_export_and_import(path):
    original = load_questionnaire_file(path).questionnaire
    loaded = load_xlsform_bytes(write_xlsform(original), path.stem + ".xlsx")
    assert loaded.source == dump_questionnaire(original)
    assert loaded.questionnaire == original


def test_the_export_is_a_plain_xlsform():
    original = load_questionnaire_file(ROOT / "questionnaires" / "needs-assessment.yaml").questionnaire
    book = openpyxl.load_workbook(io.BytesIO(write_xlsform(original)))
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [cell.value for cell in book["survey"][1]]
    assert header[:4] == ["type", "name", "label::German (de)", "label::English (en)"]
    assert "label::Arabic (ar)" in header and "label::Persian (fa)" in header and "label::Kurmanji (kmr)" in header
    rows = [[cell.value for cell in row] for row in book["survey"].iter_rows(min_row=2)]
    types = {row[1]: row[0] for row in rows if row[0] != "end_group"}
    # The district question offers the city's list: the reserved list name, without choice rows.
    assert types["about"] == "begin_group" and types["district"] == "select_one municipality"
    assert not [row for row in book["choices"].iter_rows(min_row=2, values_only=True) if row[0] == "municipality"]
    assert types["barriers"] == "select_multiple barriers or_other"
    relevant = header.index("relevant")
    assert next(row for row in rows if row[1] == "urgency")[relevant] == \
        "count-selected(${help_areas}) > 0 and not(selected(${help_areas}, 'none'))"
    settings = {cell.value: book["settings"].cell(2, cell.column).value for cell in book["settings"][1]}
    assert settings["form_id"] == "needs-assessment" and settings["default_language"] == "German (de)"
    assert settings["kim_districts"] == "municipality" and "ar" in settings["kim_unreviewed"].split()


def test_the_writer_says_it_in_standard_xlsform_where_it_can():
    form = load_questionnaire_text("""\
slug: limits
default_language: de
languages: [de, {code: en, reviewed: false, partial: true}]
title: {de: Grenzen}
sections:
  - code: work
    title: {de: Arbeit}
    questions:
      - {code: note, type: text, max_length: 500, label: {de: Notiz}}
      - {code: other_note, type: text, max_length: 300, constraint: "other_note != 'x'", label: {de: Noch}}
      - {code: size, type: number, min: 1, max: 9, decimals: true, label: {de: Größe}}
      - {code: since, type: year, label: {de: Seit}}
      - code: help
        type: multiple_choice
        label: {de: Hilfe, en: Help}
        options:
          - {code: a, label: {de: A}}
          - {code: none, exclusive: true, label: {de: Keine}}
      - code: pick
        type: single_choice
        label: {de: Wahl}
        options:
          - {code: x, condition: "'a' in help", label: {de: X}}
          - {code: y, label: {de: Y}}
""").questionnaire
    raw = write_xlsform(form)
    book = openpyxl.load_workbook(io.BytesIO(raw))
    header = [cell.value for cell in book["survey"][1]]
    rows = {row[1].value: [cell.value for cell in row] for row in book["survey"].iter_rows(min_row=2) if row[0].value != "end_group"}
    cell = lambda name, column: rows[name][header.index(column)]  # noqa: E731
    assert cell("work", "kim_field") == "none"  # named like a field, but not one
    assert cell("note", "constraint") == "string-length(.) <= 500"
    assert (cell("other_note", "constraint"), cell("other_note", "kim_max_length")) == (". != 'x'", "300")
    assert (cell("size", "type"), cell("size", "constraint")) == ("decimal", ". >= 1 and . <= 9")
    assert (cell("since", "type"), cell("since", "kim_type"), cell("since", "constraint")) == \
        ("integer", "year", ". >= 1900 and . <= 2100")
    assert cell("pick", "choice_filter") == "(name = 'x' and (selected(${help}, 'a'))) or name = 'y'"
    again = load_xlsform_bytes(raw, "limits.xlsx")
    assert again.questionnaire.question("pick").options[0].condition.source == "selected(help, 'a')"
    assert again.questionnaire.question("help").options[1].exclusive
    assert again.questionnaire.language_spec("en") == form.language_spec("en")
    assert again.questionnaire.sections[0].field is None
    assert again.source.replace("selected(help, 'a')", "'a' in help") == dump_questionnaire(form)


# --- hostile files --------------------------------------------------------------------------


def zip_of(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def test_hostile_files_are_refused_cleanly():
    cases = {
        "not a zip": (b"type,name,label\ntext,a,A\n", "an .xlsx workbook"),
        "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Excel .xls"),
        "bomb": (zip_of({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(8 * 1024 * 1024)}),
                 "compressed suspiciously well"),
        "too much": (zip_of({f"xl/part{i}.xml": bytes(1024 * 1024) for i in range(55)}), "unpacks to more than 50 MB"),
        "too many parts": (zip_of({f"x{i}": b"" for i in range(1001)}), "at most 1000"),
        "parent path": (zip_of({"xl/workbook.xml": b"<workbook/>", "../../evil.xml": b"x"}), "unsafe member name"),
        "absolute path": (zip_of({"xl/workbook.xml": b"<workbook/>", "/etc/evil.xml": b"x"}), "unsafe member name"),
        "entities": (zip_of({"xl/workbook.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><workbook>&a;</workbook>'}),
                     "declares XML entities"),
        "not a workbook": (zip_of({"word/document.xml": b"<doc/>"}), "not an Excel workbook"),
        "too large": (b"PK\x03\x04" + bytes(6 * 1024 * 1024), "larger than 5 MB"),
    }
    for case, (raw, message) in cases.items():
        with pytest.raises(QuestionnaireError) as caught:
            load_xlsform_bytes(raw, "hostile.xlsx")
        assert message in str(caught.value), (case, str(caught.value))


def test_a_form_that_multiplies_a_long_list_is_refused_early():
    survey = [("type", "name", "label")] + [("select_one big", f"q{i}", "Q") for i in range(60)]
    choices = [("list_name", "name", "label")] + [("big", f"c{i}", "C") for i in range(400)]
    errors = refused(workbook(survey, choices))
    assert errors == ["form.xlsx: survey!A52: The questions up to this row have more than 20000 choices together; "
                      "a form this large cannot be answered on a phone. Split it."]


def test_a_workbook_without_a_survey_sheet_is_refused():
    book = openpyxl.Workbook()
    book.active.title = "Umfrage"
    buffer = io.BytesIO()
    book.save(buffer)
    errors = refused(buffer.getvalue())
    assert errors == ["form.xlsx: The workbook has no sheet named 'survey' (sheets found: 'Umfrage'); "
                      "an XLSForm needs the sheets survey and choices."]


def test_damaged_workbooks_never_raise_anything_but_questionnaire_errors():
    good = job_form()
    rng = random.Random(7)
    for attempt in range(60):
        raw = bytearray(good)
        if attempt % 3 == 0:
            raw = raw[: rng.randrange(10, len(raw))]
        else:
            for _ in range(rng.randrange(1, 20)):
                raw[rng.randrange(30, len(raw))] = rng.randrange(256)
        with contextlib.suppress(QuestionnaireError):
            load_xlsform_bytes(bytes(raw), "damaged.xlsx")


def test_long_labels_are_refused_and_formula_like_texts_stay_text():
    long_label = "ب" * 5000
    errors = refused(workbook([("type", "name", "label::Arabic (ar)"), ("text", "a", long_label)]))
    assert errors == ["form.xlsx: survey!C2: The text is 5000 characters long; at most 4000 fit a phone screen. Shorten it."]

    form = load_questionnaire_text(
        "slug: formula\ndefault_language: en\nlanguages: [en]\ntitle: {en: '=HYPERLINK(\"http://x\")'}\n"
        "sections:\n  - code: s\n    title: {en: '=1+1'}\n    questions:\n"
        "      - {code: q, type: text, label: {en: '=SUM(A1:A9)'}, hint: {en: '+49 30 1234'}}\n"
    ).questionnaire
    raw = write_xlsform(form)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert all(b"<f>" not in archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))
    book = openpyxl.load_workbook(io.BytesIO(raw))
    label = next(row for row in book["survey"].iter_rows() if row[1].value == "q")[2]
    assert (label.value, label.data_type) == ("=SUM(A1:A9)", "s")
    again = load_xlsform_bytes(raw, "formula.xlsx").questionnaire
    assert again.question("q").label.get("en") == "=SUM(A1:A9)" and again.title.get("en") == '=HYPERLINK("http://x")'
    assert again == form


def test_uploads_are_dispatched_by_extension_and_content():
    yaml_text = (ROOT / "questionnaires" / "offer-inventory.yaml").read_bytes()
    assert load_questionnaire_upload(yaml_text, "offers.yml").source_format == "yaml"
    assert load_questionnaire_upload(job_form(), "job.xlsx").source_format == "xlsform"
    assert load_questionnaire_upload(job_form(), "job.yaml").source_format == "xlsform"  # the content says zip
    for raw, name, message in ((yaml_text, "offers.csv", "'.csv' files cannot be imported"),
                               (yaml_text, "offers", "Files without an extension cannot be imported"),
                               (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "old Excel .xls"),
                               (b"slug: [", "x.xlsx", "an .xlsx workbook")):
        with pytest.raises(QuestionnaireError) as caught:
            load_questionnaire_upload(raw, name)
        assert message in str(caught.value)
