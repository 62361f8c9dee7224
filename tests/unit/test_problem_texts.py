"""What every problem (survey/problems.py) promises: an English template with parameters, a
whole sentence, marked with staff_text where it is written so that it reaches the staff catalogue
and is translated as a whole; its place is data of its own, never glued into the sentence."""
from __future__ import annotations

import re

import pytest

from survey import files
from survey.languages import MISLEADING_TAGS
from survey.offers import importing, inventory
from survey.problems import Problem, Where
from survey.store import municipality
from tests.conftest import ROOT


def problem_templates() -> set[str]:
    """Every template marked with staff_text in the modules translations/babel-staff.cfg lists
    for problems (what ``make extract-messages`` puts into the staff catalogue from them)."""
    from babel.messages.extract import extract_from_file

    config = (ROOT / "translations" / "babel-staff.cfg").read_text()
    modules = [ROOT / name for name in re.findall(r"^\[python: (survey/(?!staff/)\S+\.py)\]", config, re.M)]
    assert len(modules) > 10
    return {message for module in modules
            for _line, message, _comments, _context in extract_from_file("python", str(module), keywords={"staff_text": None})}


def broken_inputs() -> list[Problem]:
    """Problems of every reader: a YAML file, an XLSForm workbook, a table, an offer, a form."""
    from survey.questionnaire import QuestionnaireError, load_questionnaire_text
    from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes
    from tests.unit.test_builder_problem_texts import BROKEN
    from tests.unit.test_xlsform import workbook
    from tests.unit.test_xlsform_problem_texts import BROKEN as BROKEN_FORM
    from tests.unit.test_xlsform_problem_texts import CHOICES

    found: list[Problem] = []
    for load in (lambda: load_questionnaire_text(BROKEN, "kurz.yaml"),
                 lambda: load_questionnaire_text(BROKEN.replace("arbeit\n        type: number", "zwei\n        type: number")
                                                 .replace("lable", "label").replace("options: nein", "options: [a, b]")
                                                 .replace("type: yes_no", "type: yes_no\n        condition: \"x = 1\""), "kurz.yaml"),
                 lambda: load_xlsform_bytes(workbook(BROKEN_FORM, CHOICES), "form.xlsx"),
                 lambda: files.read_table(b"code,name\nnord,\x01\n", "d.csv"),
                 lambda: municipality.parse_districts(b"code,name\nnord,\nNord 2,Nord\n", "d.csv")):
        try:
            load()
        except (QuestionnaireError, files.TableImportError) as error:
            found += error.problems
    data = inventory.OfferInput(provider_name="", title={"de": "T"}, fields=["work"], languages=["ku"])
    found += inventory.validate(data, inventory.CityCodes(("work",), ("nord",)))
    return found


def test_every_problem_template_has_a_german_text():
    """Each template is marked with staff_text where it is written; one left unmarked would not
    reach the catalogue (tests/test_translations.py checks the catalogue against the marks)."""
    from babel.messages.pofile import read_po

    with open(ROOT / "translations" / "de" / "LC_MESSAGES" / "staff.po", "rb") as handle:
        german = {message.id: message.string for message in read_po(handle) if message.id}
    untranslated = sorted(template for template in problem_templates() if not german.get(template))
    assert untranslated == [], "not in the German staff catalogue"


def test_the_english_texts_stay_as_they_were():
    codes = inventory.CityCodes(("work",), ("nord",))
    data = inventory.OfferInput(provider_name="", title={"de": "T"}, fields=["work"], districts=["sued"],
                                target_groups=["women_girls"], languages=["ku", "fa-AF", "Deutsch"])
    messages = {(p.where.field, p.message) for p in inventory.validate(data, codes)}
    assert ("provider_name", "The provider's name is required.") in messages
    assert ("districts", "'sued' is not a district of the city; use one of: nord.") in messages
    assert ("target_groups", "'women_girls' is not a target group; use one of: " + ", ".join(inventory.TARGET_GROUPS)
            + " (did you mean 'women'?).") in messages
    for tag in ("ku", "fa-AF"):  # the sentence survey.languages writes for the tag
        assert ("languages", MISLEADING_TAGS[tag] % {"tag": tag}) in messages
    assert ("languages", "'Deutsch' is a language name; use its tag 'de'.") in messages
    with pytest.raises(files.TableImportError) as caught:
        municipality.parse_districts(b"code,name\nnord,\n", "d.csv")
    assert str(caught.value.problems[0]) == "row 2, column name: A district needs a name."
    with pytest.raises(files.TableImportError) as caught:
        municipality.parse_fields(b"code,label_de\n", "f.csv")
    assert str(caught.value) == "The table has no fields."
    assert importing.REQUIRED == ("provider_name", "title_de", "fields")


def test_questionnaire_problems_keep_their_english_form():
    problem = Problem("unknown_key", "Unknown key '%(key)s'. Did you mean '%(match)s'?", {"key": "lable", "match": "label"},
                      where=Where(file="kurz.yaml", line=7, path="sections[0].questions[1]"))
    assert problem.message == "Unknown key 'lable'. Did you mean 'label'?"
    assert str(problem) == "kurz.yaml:7: sections[0].questions[1]: Unknown key 'lable'. Did you mean 'label'?"
    warning = Problem("empty", "The file is empty.", severity="warning", where=Where(file="kurz.yaml"))
    assert str(warning) == "kurz.yaml: warning: The file is empty."
    cell = Problem("x", "The relevant cannot be translated.", where=Where(file="form.xlsx", sheet="survey", row=3, column="E", character=1),
                   reason=Problem("y", "A text in quotes is not closed."))
    assert str(cell) == "form.xlsx: survey!E3: character 1: The relevant cannot be translated. A text in quotes is not closed."
    assert str(Problem("x", "This cell is empty.", where=Where(row=2, column="name"))) == "row 2, column name: This cell is empty."


# A sentence starts with a capital letter, a quoted value or a placeholder, and ends with a full
# stop, a question mark or an exclamation mark (after a closing bracket or quote at most).
SENTENCE = re.compile(r"""^(?:[A-Z'"]|%\(\w+\)s)[\s\S]*[.?!][)"'“]?$""")


def test_no_problem_template_is_a_fragment():
    """Whole sentences only: a translator orders each as German needs, and nothing is glued to
    it (" Did you mean ...?", "(first at line N)", "row 2:", a kind such as "a list")."""
    fragments = sorted(template for template in problem_templates() if not SENTENCE.match(template))
    assert fragments == []
    glued = re.compile(r"%\((hint|kind|at_line|why|message|advice|location)\)")
    assert not [template for template in problem_templates() if glued.search(template)]


def test_every_problem_given_is_a_marked_whole_sentence():
    templates = problem_templates()
    problems = broken_inputs()
    assert len(problems) > 15 and any(p.reason is not None for p in problems)
    for problem in problems + [p.reason for p in problems if p.reason is not None]:
        assert problem.template in templates, problem.template
        assert problem.code and problem.code.isidentifier()
