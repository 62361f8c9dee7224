"""Property-based fuzzing of the respondent pages (hypothesis): random form posts to every
section page never get a 5xx. The loaders and the condition language: tests/unit/test_fuzzing.py."""
from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_fuzzing import EXAMPLES

# --- the respondent pages ----------------------------------------------------------------------

SLUG = "needs-assessment"


SECTIONS = ["about", "needs", "language", "education", "work", "housing", "health", "legal", "participation", "preferences"]


FIELDS = ["district", "age_band", "gender", "arrival_year", "housing_type", "household_children", "help_areas",
          "urgency", "knows_where", "barriers", "barriers_other", "german_level", "german_course", "course_obstacles",
          "children_ages", "work_status", "work_status_other", "work_help", "housing_help", "has_doctor",
          "legal_help", "advice_language", "advice_language_other", "household_size", "comments", "_shown", "return"]


FORM_VALUES = (st.text(max_size=30) | st.sampled_from(
    ["nord", "mitte", "28_44", "yes", "no", "other", "none", "language", "housing", "1", "4", "٣", "2020", "1e309",
     "99999999999999999999", "-1", "", " ", "review", "district age_band", "help_areas knows_where urgency"]))


FORMS = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), st.lists(FORM_VALUES, min_size=1, max_size=3), max_size=10)


@pytest.fixture()
def respondent(browser):
    browser.get(f"/s/{SLUG}/?lang=en")
    browser.post(f"/s/{SLUG}/en/start")
    assert browser.url == f"/s/{SLUG}/en/p/about"
    return browser


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(section=st.sampled_from(SECTIONS + ["review", "nonexistent"]), form=FORMS,
       action=st.sampled_from(["next", "back", "switch_language", "save", ""]), lang=st.sampled_from(["en", "ar", "xx"]))
def test_random_posts_to_section_pages_never_fail(respondent, section, form, action, lang):
    token = re.search(r'name="csrf_token" value="([^"]+)"', respondent.client.get(f"/s/{SLUG}/en/resume").get_data(as_text=True))
    assert token
    data: dict[str, Any] = dict(form.items())
    data["csrf_token"] = token.group(1)
    data["action"] = action
    if action == "switch_language":
        data["new_language"] = lang
    response = respondent.client.post(f"/s/{SLUG}/{lang}/p/{section}", data=data)
    assert response.status_code < 500, response.get_data(as_text=True)[:1000]
    assert response.status_code in (200, 302, 400, 404, 413, 422)
    # The page the respondent lands on renders too.
    if response.status_code == 302:
        follow = respondent.client.get(response.headers["Location"])
        assert follow.status_code < 500, follow.get_data(as_text=True)[:1000]
