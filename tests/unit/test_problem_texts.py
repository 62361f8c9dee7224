"""Problems of offer forms and of the offer, district and field imports in the staff's language:
the domain modules give English templates with parameters, survey/staff/problem_texts.py marks
the same templates for the staff catalogue and translates them for display."""
from __future__ import annotations

from survey.store import municipality
from survey import files
from survey.languages import MISLEADING_TAGS
from survey.offers import importing, inventory
from survey.questionnaire import editing, errors
from tests.conftest import ROOT


def test_every_problem_template_has_a_german_text():
    """Each template is marked with staff_text where it is written; one left unmarked would not
    reach the catalogue (tests/test_translations.py checks the catalogue against the marks)."""
    from babel.messages.pofile import read_po

    with open(ROOT / "translations" / "de" / "LC_MESSAGES" / "staff.po", "rb") as handle:
        german = {message.id: message.string for message in read_po(handle) if message.id}
    for module in (files, inventory, importing, municipality, editing, errors):
        untranslated = [template for template in module.MESSAGES.values() if not german.get(template)]
        assert untranslated == [], f"{module.__name__}: not in the German staff catalogue"


def test_the_english_texts_stay_as_they_were():
    codes = inventory.CityCodes(("work",), ("nord",))
    data = inventory.OfferInput(provider_name="", title={"de": "T"}, fields=["work"], districts=["sued"],
                                target_groups=["women_girls"], languages=["ku", "fa-AF", "Deutsch"])
    messages = {(p.field, p.message) for p in inventory.validate(data, codes)}
    assert ("provider_name", "the provider's name is required.") in messages
    assert ("districts", "'sued' is not a district of the city; use one of: nord.") in messages
    assert ("target_groups", "'women_girls' is not a target group; use one of: " + ", ".join(inventory.TARGET_GROUPS)
            + " (did you mean 'women'?).") in messages
    for tag in ("ku", "fa-AF"):  # the translatable advice says what survey.languages says
        assert ("languages", f"'{tag}' is ambiguous: {MISLEADING_TAGS[tag]}.") in messages
    assert ("languages", "'Deutsch' is a language name; use its tag 'de'.") in messages
    problem = files.RowProblem(2, "name", municipality.MESSAGES["district_name_required"])
    assert problem.format() == "row 2, column name: a district needs a name."
    assert files.RowProblem(None, None, importing.MESSAGES["no_offers"]).format() == "the table has no offers."


def test_questionnaire_problems_keep_their_english_form():
    from survey.questionnaire.errors import Problem
    from survey.problems import phrase, staff_text

    hint = phrase(staff_text("did you mean '%(match)s'?"), match="label")
    problem = Problem("sections[0].questions[1]", "unknown key '%(key)s'; %(hint)s", 7, params={"key": "lable", "hint": hint})
    assert problem.message == "unknown key 'lable'; did you mean 'label'?"
    assert problem.format("kurz.yaml") == "kurz.yaml:7: sections[0].questions[1]: unknown key 'lable'; did you mean 'label'?"
    assert Problem("", "the file is empty.", severity="warning").format("kurz.yaml") == "kurz.yaml: warning: the file is empty."
