"""Write a questionnaire as an XLSForm workbook (sheets survey, choices, settings).

Standard XLSForm wherever it can say the same thing, so the file opens in KoboToolbox or ODK
tools; a few ``kim_*`` columns, which those tools ignore, carry what XLSForm has no words for
(yes/no, year and district questions, integration fields, exclusive options, unreviewed and
partial languages, the districts list). ``loader_xlsform`` reads the file back into the same
questionnaire. Texts are written as text: a label starting with '=' is never a formula.
"""
from __future__ import annotations

import io
from typing import Any

from survey.questionnaire.builder import DEFAULT_MAX_LENGTH
from survey.questionnaire.conditions.expression import Binary, Call, Literal, Name, Node
from survey.questionnaire.formats.xlsform_expressions import ExpressionError, _number, _xpath_string, condition_to_xlsform
from survey.questionnaire.formats.xlsform_reader import column_language
from survey.questionnaire.model import MUNICIPALITY, IntegrationField, Option, Question, Questionnaire, QuestionType, Section, Text

SURVEY_ORDER = ("type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message",
                "choice_filter", "appearance", "kim_type", "kim_field", "kim_need", "kim_max_length", "audio")
CHOICES_ORDER = ("list_name", "name", "label", "audio", "kim_exclusive")
SETTINGS_ORDER = ("form_title", "form_id", "default_language", "kim_unreviewed", "kim_partial", "kim_districts",
                  "kim_breakdowns", "kim_offer_mapping", "kim_intro")
LANGUAGE_KEYS = {"label", "hint", "constraint_message", "audio", "form_title", "kim_intro"}


class _Sheet:
    """Rows as dicts; the columns are those used, in a fixed order, languages in the
    questionnaire's order."""

    def __init__(self, order: tuple[str, ...], languages: list[str]) -> None:
        self.order = order
        self.languages = languages
        self.rows: list[dict[str, Any]] = []

    def add(self, **values: Any) -> dict[str, Any]:
        row = {key: value for key, value in values.items() if value not in (None, "")}
        self.rows.append(row)
        return row

    def columns(self) -> list[str]:
        used = {key for row in self.rows for key in row}
        if "label" in self.order:  # every language has its label column, even one without texts yet
            used |= {f"label::{tag}" for tag in self.languages}
        columns: list[str] = []
        for base in self.order:
            if base in LANGUAGE_KEYS:
                columns += [f"{base}::{tag}" for tag in self.languages if f"{base}::{tag}" in used]
                if base == "form_title" and base in used:
                    columns.insert(0, base)
            elif base in used:
                columns.append(base)
        columns += sorted(used - set(columns))  # filter columns of choice filters
        return columns


def _texts(key: str, text: Text | None) -> dict[str, str]:
    if text is None:
        return {}
    return {f"{key}::{tag}": value for tag, value in text.translations.items()}


def _header(column: str) -> str:
    base, _, tag = column.partition("::")
    return f"{base}::{column_language(tag)}" if tag else column


def _xpath(condition: Any, current: str | None = None) -> str | None:
    return condition_to_xlsform(condition, current) if condition is not None else None


def _bounds(question: Question) -> list[str]:
    parts = []
    if question.type in (QuestionType.NUMBER, QuestionType.YEAR):
        if question.minimum is not None:
            parts.append(f". >= {_number(_plain(question.minimum))}")
        if question.maximum is not None:
            parts.append(f". <= {_number(_plain(question.maximum))}")
    return parts


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _constraint(question: Question) -> tuple[str | None, int | None]:
    """The constraint cell and, when it cannot also say it, the kim_max_length."""
    general = _xpath(question.constraint, question.code)
    parts = _bounds(question)
    max_length = question.max_length
    custom_length = (question.type in DEFAULT_MAX_LENGTH and max_length is not None
                     and max_length != DEFAULT_MAX_LENGTH[question.type])
    if general is None:
        if custom_length:
            return f"string-length(.) <= {max_length}", None
        return (" and ".join(parts) or None), None
    if parts:
        return " and ".join(parts + [f"({general})"]), None
    return general, (max_length if custom_length else None)


def _option_filter(question: Question) -> tuple[str | None, list[dict[str, str]]]:
    """A choice_filter giving each option its condition, and the filter cells of each option."""
    options = question.options
    if not question.has_option_conditions:
        return None, [{} for _ in options]
    trees = [option.condition.tree if option.condition else None for option in options]

    def uniform(kind: str) -> Name | None:
        target: Name | None = None
        for tree in trees:
            if kind == "==" and isinstance(tree, Binary) and tree.op == "==" and isinstance(tree.left, Name) \
                    and isinstance(tree.right, Literal) and isinstance(tree.right.value, str):
                name = tree.left
            elif kind == "selected" and isinstance(tree, Call) and tree.function == "selected" \
                    and isinstance(tree.args[0], Name):
                name = tree.args[0]
            else:
                return None
            if target is not None and name.code != target.code:
                return None
            target = name
        return target

    def value(tree: Node | None) -> str:
        if isinstance(tree, Binary) and isinstance(tree.right, Literal):
            return str(tree.right.value)
        assert isinstance(tree, Call) and isinstance(tree.args[1], Literal)
        return str(tree.args[1].value)

    for kind, template in (("==", "filter = ${%s}"), ("selected", "selected(${%s}, filter)")):
        target = uniform(kind)
        if target is not None:
            return template % target.code, [{"filter": value(tree)} for tree in trees]
    parts = []
    for option, tree in zip(options, trees, strict=True):
        test = f"name = {_xpath_string(option.code)}"
        parts.append(f"({test} and ({condition_to_xlsform(tree)}))" if tree is not None else test)
    return " or ".join(parts), [{} for _ in options]


def _question_rows(question: Question, districts_list: str, survey: _Sheet, choices: _Sheet) -> None:
    qtype = question.type
    appearance = kim_type = None
    list_name = question.code
    if qtype is QuestionType.SINGLE_CHOICE:
        xls_type = f"select_one {list_name}"
    elif qtype is QuestionType.MULTIPLE_CHOICE:
        xls_type = f"select_multiple {list_name}"
    elif qtype in (QuestionType.YES_NO, QuestionType.SCALE):
        xls_type = f"select_one {list_name}"
        kim_type = "yes_no" if qtype is QuestionType.YES_NO else None
        appearance = "likert" if qtype is QuestionType.SCALE else None
    elif qtype is QuestionType.DISTRICT:
        xls_type, kim_type = f"select_one {districts_list}", "district"
    elif qtype in (QuestionType.NUMBER, QuestionType.YEAR):
        xls_type = "decimal" if question.decimals else "integer"
        kim_type = "year" if qtype is QuestionType.YEAR else None
    elif qtype in (QuestionType.TEXT, QuestionType.LONG_TEXT):
        xls_type = "text"
        appearance = "multiline" if qtype is QuestionType.LONG_TEXT else None
    elif qtype is QuestionType.DATE:
        xls_type = "date"
    else:
        xls_type = "note"
    if question.other:
        xls_type += " or_other"
    constraint, kim_max_length = _constraint(question)
    choice_filter, filter_cells = _option_filter(question) if question.is_choice and qtype not in (
        QuestionType.DISTRICT, QuestionType.YES_NO) else (None, [])
    survey.add(
        type=xls_type, name=question.code, **_texts("label", question.label), **_texts("hint", question.hint),
        required="yes" if question.required else None, relevant=_xpath(question.condition),
        constraint=constraint,
        **(_texts("constraint_message", question.constraint_message) if question.constraint else {}),
        choice_filter=choice_filter, appearance=appearance, kim_type=kim_type, kim_max_length=kim_max_length,
        **_texts("audio", question.audio),
    )
    if qtype is QuestionType.DISTRICT:
        return
    if question.is_choice:
        for option, cells in zip(question.options, filter_cells or [{} for _ in question.options], strict=True):
            _option_row(choices, list_name, option, cells)


def _option_row(choices: _Sheet, list_name: str, option: Option, cells: dict[str, str]) -> None:
    choices.add(list_name=list_name, name=option.code, **_texts("label", option.label),
                **_texts("audio", option.audio), kim_exclusive="yes" if option.exclusive else None, **cells)


def _section_rows(section: Section, districts_list: str, survey: _Sheet, choices: _Sheet) -> None:
    field = section.field
    if field is None and section.code in {f.value for f in IntegrationField}:
        field = "none"  # a section named like a field that is not one
    survey.add(type="begin_group", name=section.code, **_texts("label", section.title),
               **_texts("hint", section.intro), relevant=_xpath(section.condition),
               kim_field=field if field != section.code else None,
               # our own expression language: XLSForm tools ignore unknown kim_ columns
               kim_need=section.need.source if section.need is not None else None)
    for question in section.questions:
        _question_rows(question, districts_list, survey, choices)
    survey.add(type="end_group", name=section.code)


def _write(worksheet: Any, sheet: _Sheet) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    columns = sheet.columns()
    worksheet.append([_header(column) for column in columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(sheet.rows, start=2):
        for column_number, column in enumerate(columns, start=1):
            value = row.get(column)
            if value is None:
                continue
            text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            cell = worksheet.cell(row=row_number, column=column_number)
            cell.value = text
            cell.data_type = "s"  # text, never a formula, whatever it starts with
    worksheet.freeze_panes = "A2"


def write_xlsform(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as .xlsx bytes. Raises ``ExpressionError`` for the rare condition that
    XLSForm cannot express (a text containing both ' and ")."""
    from openpyxl import Workbook

    languages = list(questionnaire.language_codes)
    codes = {question.code for question in questionnaire.questions()}
    # The reserved list name ``municipality``, without rows: the city's district list.
    districts_list = (MUNICIPALITY if questionnaire.districts_from is not None
                      else "districts" if "districts" not in codes else "kim_districts")
    survey = _Sheet(SURVEY_ORDER, languages)
    choices = _Sheet(CHOICES_ORDER, languages)
    settings = _Sheet(SETTINGS_ORDER, languages)
    for section in questionnaire.sections:
        _section_rows(section, districts_list, survey, choices)
    for district in questionnaire.districts if questionnaire.districts_from is None else ():
        _option_row(choices, districts_list, district, {})
    title = questionnaire.title
    settings.add(
        form_title=title.get(questionnaire.default_language),
        **{key: value for key, value in _texts("form_title", title).items()
           if key != f"form_title::{questionnaire.default_language}"},
        form_id=questionnaire.slug,
        default_language=column_language(questionnaire.default_language),
        kim_unreviewed=" ".join(spec.code for spec in questionnaire.languages if not spec.reviewed),
        kim_partial=" ".join(spec.code for spec in questionnaire.languages if spec.partial),
        kim_districts=districts_list if questionnaire.districts or questionnaire.districts_from else None,
        kim_breakdowns=" ".join(questionnaire.breakdowns) or None,
        kim_offer_mapping=" ".join(f"{a}={c}" for a, c in questionnaire.offer_mapping.items()) or None,
        **_texts("kim_intro", questionnaire.intro),
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    _write(sheet, survey)
    _write(workbook.create_sheet("choices"), choices)
    _write(workbook.create_sheet("settings"), settings)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = ["ExpressionError", "write_xlsform"]
