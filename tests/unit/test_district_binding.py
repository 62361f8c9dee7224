"""A questionnaire's district questions may offer the city's district list (``districts:
municipality`` in YAML, the reserved list name ``municipality`` in XLSForm): the file names the
binding, the store hands the list in (survey.questionnaire.districts)."""
from __future__ import annotations

import io

import openpyxl
import pytest

from survey.questionnaire import QuestionnaireError, load_questionnaire_text
from survey.questionnaire.districts import DistrictEntry, bind_districts, district_options
from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes
from survey.questionnaire.formats.xlsform_writer import write_xlsform
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from survey.questionnaire.model import MUNICIPALITY, QuestionType
from survey.questionnaire.translation import translation_units
from survey.respondent.rendering import answer_display, localizer
from tests.conftest import BUNDLED, with_sample_districts
from tests.unit.test_xlsform import workbook

BOUND = """\
slug: bound
default_language: de
languages: [de, {code: ar, reviewed: false}]
title: {de: Titel, ar: عنوان}
districts: municipality
sections:
  - code: about
    title: {de: Über Sie, ar: عنك}
    questions:
      - code: district
        type: district
        required: true
        label: {de: "Wo wohnen Sie?", ar: "أين تسكن؟"}
      - code: north_only
        type: yes_no
        condition: "district == 'nord-altstadt'"
        label: {de: "Kennen Sie das Stadtteilbüro?", ar: "هل تعرف مكتب الحي؟"}
"""

CITY = (
    DistrictEntry("nord", {"de": "Nord", "ar": "الشمال"}),
    DistrictEntry("mitte", {"de": "Mitte"}),
    DistrictEntry("nord-hafen", {"de": "Hafen"}, "nord"),
    DistrictEntry("nord-altstadt", {"de": "Altstadt"}, "nord"),
    DistrictEntry("hafen-kai", {"de": "Kai"}, "nord-hafen"),  # a third level: grouped under its top district
)


def bound_model():
    return load_questionnaire_text(BOUND, "bound.yaml").questionnaire


def test_the_file_names_the_binding_and_has_no_districts_until_the_list_is_handed_in():
    model = bound_model()
    assert model.districts_from == MUNICIPALITY and model.districts == ()
    assert model.question("district").options == ()
    # A condition may test any code: the city's list is not known to the file.
    assert model.question("north_only").condition is not None


def test_the_binding_is_written_back_and_never_the_list_it_resolved_to():
    resolved = bind_districts(bound_model(), CITY)
    text = dump_questionnaire(resolved)
    assert 'districts: "municipality"' in text and "Altstadt" not in text
    assert load_questionnaire_text(text, "again.yaml").questionnaire == bound_model()


def test_the_city_list_becomes_the_options_with_sub_districts_after_their_district():
    question = bind_districts(bound_model(), CITY).question("district")
    assert [(o.code, o.parent) for o in question.options] == [
        ("nord", None), ("nord-hafen", "nord"), ("nord-altstadt", "nord"), ("hafen-kai", "nord"), ("mitte", None)]
    groups = question.option_groups()
    assert [(head.code, [sub.code for sub in subs]) for head, subs in groups] == [
        ("nord", ["nord-hafen", "nord-altstadt", "hafen-kai"]), ("mitte", [])]
    assert question.has_sub_options
    # Names in every language the list has; a name only entered in German stays German.
    assert dict(question.option("nord").label.translations) == {"de": "Nord", "ar": "الشمال"}
    assert question.option("mitte").label.resolve(["ar", "de"]).language == "de"


def test_a_parent_cycle_or_an_unknown_parent_makes_top_level_districts():
    options = district_options([DistrictEntry("a", {"de": "A"}, "b"), DistrictEntry("b", {"de": "B"}, "a"),
                                DistrictEntry("c", {"de": "C"}, "gone")])
    assert [(o.code, o.parent) for o in options] == [("a", None), ("b", None), ("c", None)]


def test_a_file_without_the_binding_is_not_changed_by_the_list():
    own = load_questionnaire_text(BOUND.replace("districts: municipality", "districts:\n  - {code: x, label: {de: X, ar: س}}")
                                  .replace("nord-altstadt", "x"), "own.yaml")
    assert own.questionnaire.districts_from is None
    assert bind_districts(own.questionnaire, CITY) is own.questionnaire


def test_the_city_list_is_not_the_translators_work():
    own = load_questionnaire_text(BOUND.replace("districts: municipality", "districts:\n  - {code: x, label: {de: X, ar: س}}")
                                  .replace("nord-altstadt", "x"), "own.yaml").questionnaire
    assert "district.x" in dict(translation_units(own))
    assert not [key for key, _text in translation_units(bind_districts(bound_model(), CITY)) if key.startswith("district.")]


@pytest.mark.parametrize(("replacement", "code", "words"), [
    ("districts: city", "bad_district_binding", "either 'municipality'"),
    ("", "no_district_list", "districts: municipality"),
])
def test_a_wrong_binding_or_none_at_all_says_how_to_bind(replacement, code, words):
    with pytest.raises(QuestionnaireError) as refused:
        load_questionnaire_text(BOUND.replace("districts: municipality", replacement), "bad.yaml")
    [problem] = [p for p in refused.value.problems if p.code == code]
    assert words in problem.message
    assert "at the start of the file" not in problem.message and "at the top of the file" not in problem.message


def test_the_review_page_names_the_district_a_sub_district_lies_in():
    model = bind_districts(bound_model(), CITY)
    shown = answer_display(model.question("district"), {"district": "nord-altstadt"}, localizer(model, "de"))
    assert "Altstadt" in shown and "Nord" in shown


def test_the_bundled_questionnaire_offers_the_sample_towns_list_in_every_language():
    from survey.questionnaire import load_questionnaire_file

    model = load_questionnaire_file(BUNDLED / "needs-assessment.yaml").questionnaire
    assert model.districts_from == MUNICIPALITY
    question = with_sample_districts(model).question("district")
    assert question.type is QuestionType.DISTRICT
    assert [o.code for o in question.options] == ["nord", "mitte", "sued", "ost", "west"]
    assert set(question.option("nord").label.translations) == set(model.language_codes)


# --- XLSForm: the reserved list name ``municipality`` ----------------------------------------

SURVEY = [
    ("type", "name", "label::German (de)", "kim_type"),
    ("select_one municipality", "district", "Wo wohnen Sie?", "district"),
]
SETTINGS = [("form_id", "default_language"), ("bound-form", "German (de)")]


def test_an_xlsform_binds_with_the_reserved_list_name_and_writes_it_back():
    loaded = load_xlsform_bytes(workbook(SURVEY, [("list_name", "name", "label::German (de)")], SETTINGS), "bound.xlsx")
    assert loaded.questionnaire.districts_from == MUNICIPALITY
    book = openpyxl.load_workbook(io.BytesIO(write_xlsform(bind_districts(loaded.questionnaire, CITY))))
    rows = {row[1]: row[0] for row in book["survey"].iter_rows(min_row=2, values_only=True)}
    assert rows["district"] == "select_one municipality"
    assert not [row for row in book["choices"].iter_rows(min_row=2, values_only=True) if row[0] == MUNICIPALITY]
    again = load_xlsform_bytes(write_xlsform(loaded.questionnaire), "again.xlsx").questionnaire
    assert again.districts_from == MUNICIPALITY


def test_an_xlsform_list_named_municipality_with_rows_is_a_list_of_its_own():
    choices = [("list_name", "name", "label::German (de)"), ("municipality", "a", "A"), ("municipality", "b", "B")]
    model = load_xlsform_bytes(workbook(SURVEY, choices, SETTINGS), "own.xlsx").questionnaire
    assert model.districts_from is None and [o.code for o in model.districts] == ["a", "b"]
