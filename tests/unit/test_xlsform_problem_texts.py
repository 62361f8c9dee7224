"""Problems of XLSForm workbooks and YAML syntax in the staff's language: the XLSForm reader
(survey/questionnaire/formats/xlsform_reader.py) and the YAML reader (survey/questionnaire/formats/located_yaml.py)
give English templates with parameters, the staff pages translate them; the English texts the
CLI and the tests read stay as they were."""
from __future__ import annotations

import pytest

from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes
from survey.questionnaire.formats.yaml_reader import load_questionnaire_text
from tests.unit.test_xlsform import workbook

HEADER = ("type", "name", "label::English (en)", "label::Kurdish (ku)", "relevant")


BROKEN = [
    HEADER,
    ("geopoint", "where", "Where do you live?"),
    ("integer", "age", "Age", None, "${where} = 1"),
    ("foo", "bar", "Bar"),
    ("select_one nolist", "pick", "Pick one"),
]


CHOICES = [("list_name", "name", "label::English (en)"), ("yn", "yes", "Yes"), ("yn", "no", "No")]


NO_NAME_COLUMN = [("type", "label::English (en)"), ("integer", "Age")]


def english(raw: bytes, name: str = "form.xlsx") -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load_xlsform_bytes(raw, name)
    return [str(problem) for problem in caught.value.problems]


def test_the_english_texts_stay_as_they_were():
    texts = english(workbook(BROKEN, CHOICES))
    assert "form.xlsx: survey!D1: warning: The column 'label::Kurdish (ku)' is skipped: Kurdish is ambiguous here; " \
           "name the column Kurmanji (kmr) or Sorani (ckb)." in texts
    assert "form.xlsx: survey!A2: warning: The 'geopoint' row is skipped: locations are not collected, to protect " \
           "respondents." in texts
    # the expression's own problem is a sentence of its own, at the character where it was found
    assert "form.xlsx: survey!E3: character 1: The relevant '${where} = 1' cannot be translated. '${where}' refers to row 2, " \
           "which is not imported." in texts
    assert "form.xlsx: survey!A4: Unknown type 'foo'; see docs/questionnaire-format.md, section XLSForm, for the types " \
           "this product reads." in texts
    assert "form.xlsx: survey!A5: The choice list 'nolist' is not in the choices sheet (lists there: yn)." in texts
    # a whole row reads "survey row 1" in English
    assert english(workbook(NO_NAME_COLUMN)) == ["form.xlsx: survey row 1: This sheet has no column 'name' in its first row."]
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text("title: a\ntitle: b\n", "kurz.yaml")
    assert str(caught.value.problems[0]) == "kurz.yaml:2: The key 'title' appears twice (first at line 1); remove one of them."
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text("title: a: b\n", "kurz.yaml")
    assert str(caught.value.problems[0]) == "kurz.yaml:1: YAML syntax error: mapping values are not allowed here."
