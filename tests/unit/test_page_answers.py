"""Reading a posted page: types, ranges, exclusive options, 'other', hidden questions."""
import pytest

from survey.questionnaire import load_questionnaire_file
from survey.respondent.page_answers import missing_answers, normalize_digits, prune_hidden, read_page
from tests.conftest import BUNDLED, with_sample_districts

NEEDS = with_sample_districts(load_questionnaire_file(BUNDLED / "needs-assessment.yaml").questionnaire)


def page(code, form, previous=None, **kwargs):
    return read_page(NEEDS, NEEDS.section(code), form, previous or {}, **kwargs)


def kinds(result):
    return {(error.question_code, error.kind) for error in result.errors}


def test_eastern_arabic_and_persian_digits_are_numbers():
    assert normalize_digits("٣٤") == "34"
    assert normalize_digits("۱۲") == "12"
    result = page("preferences", {"advice_language": ["ar"], "advice_channel": ["phone"], "household_size": ["٤"]})
    assert result.errors == []
    assert result.answers["household_size"] == 4


@pytest.mark.parametrize(("raw", "kind"), [("0", "too_small"), ("21", "too_large"), ("drei", "not_a_number"),
                                          ("2,5", "not_a_whole_number")])
def test_number_range_and_format(raw, kind):
    result = page("preferences", {"advice_language": ["ar"], "advice_channel": ["phone"], "household_size": [raw]})
    assert kinds(result) == {("household_size", kind)}
    assert "household_size" not in result.answers


def test_year_must_be_in_range():
    result = page("about", {"district": ["nord"], "age_band": ["18_27"], "housing_type": ["own_flat"],
                            "household_children": ["no"], "arrival_year": ["1890"]})
    assert kinds(result) == {("arrival_year", "too_small")}


def test_required_and_unknown_option():
    result = page("about", {"district": ["atlantis"], "age_band": ["18_27"]})
    assert kinds(result) == {("district", "invalid_option"), ("housing_type", "required"), ("household_children", "required")}
    relaxed = page("about", {"age_band": ["18_27"]}, enforce_required=False)
    assert relaxed.errors == [] and relaxed.answers == {"age_band": "18_27"}


def test_exclusive_none_cannot_be_combined():
    result = page("needs", {"help_areas": ["housing", "none"], "knows_where": ["no"]})
    assert ("help_areas", "exclusive") in kinds(result)


def test_other_needs_its_text_and_keeps_it():
    base = {"work_status": ["other"]}
    assert kinds(page("work", base)) == {("work_status", "other_missing")}
    result = page("work", {**base, "work_status_other": ["  Minijob\x00 "]})
    assert result.answers == {"work_status": "other", "work_status_other": "Minijob"}


def test_question_appearing_on_the_same_page_is_not_failed_but_reported():
    shown = ["help_areas", "knows_where"]
    result = page("needs", {"help_areas": ["housing"], "knows_where": ["no"]}, shown=shown)
    assert result.errors == []
    assert result.newly_shown == ["urgency", "barriers"]
    # Shown the second time, the required follow-up is checked.
    again = page("needs", {"help_areas": ["housing"], "knows_where": ["no"]}, shown=shown + ["urgency", "barriers"])
    assert kinds(again) == {("urgency", "required")}


def test_hidden_questions_are_neither_required_nor_stored():
    result = page("work", {"work_status": ["employed"], "work_help": ["cv_is_not_an_option"]},
                  shown=["work_status", "work_help", "foreign_qualification"])
    assert ("work_help", "invalid_option") in kinds(result)
    result = page("work", {"work_status": ["training"], "work_help": ["job_search"]})
    assert result.errors == [] and "work_help" not in result.answers
    answers = {"household_children": "no", "children_ages": ["under_3"], "childcare_place_needed": "yes"}
    assert prune_hidden(NEEDS, answers) == {"household_children": "no"}


def test_text_is_cleaned_and_limited():
    result = page("preferences", {"advice_language": ["de"], "advice_channel": ["phone"], "comments": ["a\r\nb\x07"]})
    assert result.answers["comments"] == "a\nb"
    result = page("preferences", {"advice_language": ["de"], "advice_channel": ["phone"], "comments": ["x" * 2001]})
    assert kinds(result) == {("comments", "too_long")}


def test_missing_answers_finds_the_first_incomplete_section():
    section, errors = missing_answers(NEEDS, {"district": "nord"})
    assert section.code == "about"
    assert {e.question_code for e in errors} == {"age_band", "housing_type", "household_children"}


def test_fallback_text_is_marked_with_its_own_language_and_direction():
    from survey.questionnaire.model import Text
    from survey.respondent.rendering import localizer

    localize = localizer(NEEDS, "prs")
    # Dari lacks this text: the next language of its chain (Persian, right-to-left) stands in.
    assert localize(Text({"de": "Stadtteil", "en": "District", "fa": "محله"})) == '<span lang="fa" dir="rtl">محله</span>'
    assert localizer(NEEDS, "kmr")(Text({"de": "Stadtteil", "en": "District"})) == '<span lang="en" dir="ltr">District</span>'
    assert localize(Text({"de": "x", "prs": "<b>"})) == "&lt;b&gt;"  # own language: escaped, unmarked
