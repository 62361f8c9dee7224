"""Property-based fuzzing (hypothesis): whatever arrives, the code answers with a result or its
own typed error, never another exception.

- the YAML questionnaire loader: random text, mutated YAML text and mutated documents
  -> a LoadedQuestionnaire or a QuestionnaireError;
- the XLSForm loader: a real workbook with random cells -> the same;
- the condition language: random strings -> a Condition or a ConditionSyntaxError; random
  well-formed expressions evaluated against random answers -> a bool;
- the respondent pages: random form posts to every section page -> never a 5xx.

Example counts stay moderate (100 each) so the suite stays fast; SURVEY_FUZZ_EXAMPLES raises them.
"""
from __future__ import annotations

import copy
import io
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from survey.questionnaire import LoadedQuestionnaire, QuestionnaireError, load_questionnaire_text
from survey.questionnaire.conditions.expression import Condition, ConditionSyntaxError, parse_condition
from survey.questionnaire.formats.reading import load_questionnaire_upload
from survey.questionnaire.formats.xlsform_reader import load_xlsform_bytes

# SURVEY_FUZZ_EXAMPLES=5000 searches longer (before a release, or after changing a loader).
EXAMPLES = int(os.environ.get("SURVEY_FUZZ_EXAMPLES", "100"))


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


MINI = """\
slug: mini
default_language: de
languages: [de, {code: en, partial: true}]
title: {de: Mini, en: Mini}
districts:
  - {code: nord, label: {de: Nord}}
  - {code: sued, label: {de: Süd}}
sections:
  - code: s1
    title: {de: Eins}
    questions:
      - code: help
        type: multiple_choice
        required: true
        other: true
        label: {de: Hilfe, en: Help}
        options:
          - {code: a, label: {de: A}}
          - {code: b, label: {de: B}}
          - {code: none, exclusive: true, label: {de: Keine}}
      - {code: size, type: number, min: 1, max: 20, label: {de: Zahl}}
      - {code: year, type: year, label: {de: Jahr}}
      - {code: where, type: district, label: {de: Wo}}
  - code: s2
    title: {de: Zwei}
    condition: "count(help) > 0 and not selected(help, 'none')"
    questions:
      - code: level
        type: scale
        label: {de: Stufe}
        options:
          - {code: "1", label: {de: wenig}}
          - {code: "2", label: {de: viel}}
      - {code: why, type: long_text, max_length: 300, condition: "level < 2", label: {de: Warum}}
      - {code: ok, type: yes_no, label: {de: OK}}
      - {code: when, type: date, label: {de: Wann}}
      - {code: name, type: text, label: {de: Name}, constraint: "size > 0", constraint_message: {de: Nein}}
"""


MINI_DATA = yaml.safe_load(MINI)


def loads_or_refuses(text: str) -> None:
    try:
        loaded = load_questionnaire_text(text, "fuzz.yaml")
    except QuestionnaireError as error:
        assert error.problems, "a refusal names at least one problem"
        for problem in error.problems:
            assert problem.where.file == "fuzz.yaml" and str(problem).endswith(problem.message)
    else:
        assert isinstance(loaded, LoadedQuestionnaire)
        assert loaded.questionnaire.sections


def test_the_base_document_loads():
    assert load_questionnaire_text(MINI).questionnaire.slug == "mini"


# --- YAML loader -------------------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=300))
def test_yaml_loader_random_text(text):
    loads_or_refuses(text)


@FUZZ
@given(st.data())
def test_yaml_loader_mutated_text(data):
    """Characters deleted, inserted or replaced in a valid document."""
    text = MINI
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = data.draw(st.sampled_from(["", ":", "-", " ", "\n", "{", "}", "[", "]", "'", '"', "&a", "*a", "!!",
                                           "\t", "#", "|", "null", "1e309", "99999999999999999999", "\x00", "\u202e"])
                          | st.text(max_size=5))
        if kind == "delete":
            text = text[:position] + text[position + data.draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:position] + piece + text[position:]
        else:
            text = text[:position] + piece + text[position + len(piece):]
    loads_or_refuses(text)


SCALARS = (st.none() | st.booleans() | st.integers(-10**25, 10**25) | st.floats(allow_nan=True)
           | st.text(max_size=20) | st.sampled_from(["de", "en", "ar", "single_choice", "other", "none", "s1", "help",
                                                    "count(help) > 0", "=1+1", "<script>", "1e309", ""]))


VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12) | st.sampled_from(
    ["code", "type", "label", "de", "options", "condition", "required", "min", "max", "other"]), inner, max_size=4), max_leaves=12)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            paths += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths += _paths(value, prefix + (index,))
    return paths


@FUZZ
@given(st.data())
def test_yaml_loader_mutated_documents(data):
    """Any part of a valid document replaced by any value, or deleted."""
    document = copy.deepcopy(MINI_DATA)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [path for path in _paths(document) if path]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()):
            parent[path[-1]] = data.draw(VALUES)
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    try:
        text = yaml.safe_dump(document, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
    loads_or_refuses(text)


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(["x.yaml", "x.yml", "x.xlsx", "x.xls", "x", "x.txt"]))
def test_upload_loader_random_bytes(raw, name):
    try:
        load_questionnaire_upload(raw, name)
    except QuestionnaireError as error:
        assert error.problems


# --- XLSForm loader ----------------------------------------------------------------------------


def _workbook_rows() -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    from survey.questionnaire.formats.xlsform_writer import write_xlsform

    book = load_workbook(io.BytesIO(write_xlsform(load_questionnaire_text(MINI).questionnaire)))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


BASE_ROWS = _workbook_rows()


CELLS = (st.none() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
         | st.sampled_from(["select_one", "select_multiple yn", "begin_group", "end_group", "begin_repeat", "integer",
                            "text", "note", "calculate", "${help}", "selected(${help}, 'a')", ". > 3", "yes", "no",
                            "label::English (en)", "label::Klingon (tlh)", "relevant", "choice_filter", "list_name",
                            "=1+1", "${", "count-selected(${help}) > 0 and", "\u202e", "1e309"]))


def _xlsx(rows: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    book.remove(book.active)
    for title, sheet_rows in rows.items():
        sheet = book.create_sheet(title)
        for row in sheet_rows:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_base_workbook_loads():
    assert load_xlsform_bytes(_xlsx(BASE_ROWS), "mini.xlsx").questionnaire.slug == "mini"


@FUZZ
@given(st.data())
def test_xlsform_loader_mutated_cells(data):
    rows = copy.deepcopy(BASE_ROWS)
    for _ in range(data.draw(st.integers(1, 6))):
        sheet = data.draw(st.sampled_from(sorted(rows)))
        table = rows[sheet]
        row = data.draw(st.integers(0, len(table) - 1))
        column = data.draw(st.integers(0, max(len(table[row]), 1) + 1))
        while len(table[row]) <= column:
            table[row].append(None)
        action = data.draw(st.sampled_from(["set", "set", "set", "drop_row", "copy_row"]))
        if action == "set":
            table[row][column] = data.draw(CELLS)
        elif action == "drop_row" and len(table) > 1:
            del table[row]
        else:
            table.insert(data.draw(st.integers(0, len(table))), list(table[row]))
    try:
        loaded = load_xlsform_bytes(_xlsx(rows), "fuzz.xlsx")
    except QuestionnaireError as error:
        assert error.problems
    else:
        assert loaded.questionnaire.sections
        load_questionnaire_text(loaded.source)  # what is stored reads back


# --- conditions --------------------------------------------------------------------------------

NAMES = ["help", "size", "level", "q", "work_status", "x"]


ANSWER_VALUES = (st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=8)
                 | st.sampled_from(["a", "b", "3", "1e309", "nan", "inf", "-0", ""])
                 | st.lists(st.sampled_from(["a", "b", "none", "other", "3"]) | st.text(max_size=4), max_size=4))


ANSWERS = st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=5), ANSWER_VALUES, max_size=6)


def _expressions() -> st.SearchStrategy[str]:
    atoms = (st.sampled_from(NAMES) | st.integers(-10**25, 10**25).map(str)
             | st.floats(allow_nan=False, allow_infinity=False).map(repr)
             | st.sampled_from(["1e309", "-1e309", "0", "0.0", "true", "false", "null", "'a'", '"b"', "''"])
             | st.text(alphabet="abc'\\ ", max_size=5).map(lambda s: "'" + s.replace("'", "") + "'"))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or",
                                                  "+", "-", "*", "/"]), inner).map(" ".join)
        return (binary | inner.map(lambda e: f"not {e}") | inner.map(lambda e: f"-{e}") | inner.map(lambda e: f"({e})")
                | st.tuples(st.sampled_from(NAMES), inner).map(lambda t: f"selected({t[0]}, {t[1]})")
                | st.sampled_from(NAMES).map(lambda n: f"count({n})") | st.sampled_from(NAMES).map(lambda n: f"answered({n})"))

    return st.recursive(atoms, extend, max_leaves=15)


@FUZZ
@given(st.text(max_size=120) | st.text(alphabet="()'\"=!<>+-*/ .,0123456789eanotdrsilchu_", max_size=120))
def test_condition_parser_random_strings(source):
    try:
        condition = parse_condition(source)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= len(source) + 1
        assert str(error)
    else:
        assert isinstance(condition, Condition)
        assert isinstance(condition.evaluate({}), bool)


@FUZZ
@given(_expressions(), ANSWERS)
def test_condition_evaluation_random_expressions_and_answers(source, answers):
    try:
        condition = parse_condition(source)
    except ConditionSyntaxError:
        return
    assert isinstance(condition.evaluate(answers), bool)
    condition.to_data()
    condition.option_references()


def test_deeply_nested_conditions_are_refused_not_crashing():
    for source in ("(" * 5000 + "a" + ")" * 5000, "not " * 5000 + "a", "-" * 5000 + "1", "a + " * 3000 + "a"):
        with pytest.raises(ConditionSyntaxError):
            parse_condition(source)


# --- what the fuzzing found, kept as plain regression tests --------------------------------------


@pytest.mark.parametrize("text", ["slug: x\x7f\n", "title: {de: \"\x85\ufffe\"}\n", "a: \x00\n", "a: \"\\ud800\"\n"])
def test_characters_yaml_refuses_are_a_questionnaire_error(text):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(text, "bad.yaml")
    assert caught.value.problems[0].where.line == 1


def test_a_spreadsheet_text_with_control_characters_reads_back_from_the_stored_yaml():
    rows = copy.deepcopy(BASE_ROWS)
    rows["survey"][2][rows["survey"][0].index("label::German (de)")] = "Hilfe\x7f\x85\x9f\u2028"
    loaded = load_xlsform_bytes(_xlsx(rows), "control.xlsx")
    again = load_questionnaire_text(loaded.source).questionnaire
    assert again == loaded.questionnaire
