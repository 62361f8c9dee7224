"""Offers on the thank-you page of the needs questionnaire, without keeping the answers."""
from __future__ import annotations

from survey.questionnaire import load_questionnaire_file
from tests.conftest import BUNDLED


def test_needs_and_district_from_the_bundled_questionnaire():
    questionnaire = load_questionnaire_file(BUNDLED / "needs-assessment.yaml").questionnaire
    answers = {"district": "nord", "help_areas": ["housing", "legal"], "german_course": "attending",
               "work_help": ["none"]}
    assert questionnaire.needs_of(answers) == ("housing", "legal")
    assert questionnaire.district_of(answers) == "nord"
    assert questionnaire.needs_of({"help_areas": ["none"], "german_course": "would_like"}) == ("language",)
