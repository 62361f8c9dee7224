"""Excel workbook: a ``data`` sheet (the CSV's columns, one row per response) and a ``labels``
sheet (every variable with its question text and every value with its label, in the label
language).

Written with openpyxl's write-only mode, row by row, so memory stays flat. A sheet holds at most
1,048,576 rows; more responses continue on ``data_2``, ``data_3`` ... each with the header, never
truncated. Text cells are neutralised like the CSV's (a leading = + - @ gets an apostrophe), so
no answer runs as a formula; a cell longer than Excel's 32,767 characters is cut there and ends
with "[…]" (the CSV has the full text).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from survey.exports.labels import Labels
from survey.exports.table import Table
from survey.exports.variables import META_COLUMNS, TRAILING_COLUMNS, Kind, Schema, Variable, parse_date
from survey.files import neutralize

if TYPE_CHECKING:
    from survey.exports.request import PreparedExport, Progress

MAX_ROWS_PER_SHEET = 1_048_576 - 1  # Excel's limit, less the header row
MAX_CELL_CHARS = 32_767
CUT_MARK = "[…]"


def text_cell(value: str) -> str:
    """A string safe for a worksheet: never a formula, no XML-illegal control characters (shown
    as U+FFFD, not dropped), within Excel's cell length."""
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - len(CUT_MARK)] + CUT_MARK
    return str(neutralize(value))


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the UTC time, as the column header says.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return text_cell(str(value))


def _date_cell(value: Any) -> Any:
    parsed = parse_date(value)
    return parsed if parsed is not None else _cell(value)


def _converters(table: Table) -> list[Callable[[Any], Any]]:
    kinds = [None] * len(META_COLUMNS) + [v.kind for v in table.schema.variables] + [None] * len(TRAILING_COLUMNS)
    return [_date_cell if kind is Kind.DATE else _cell for kind in kinds]


def label_rows(schema: Schema, labels: Labels) -> Iterable[list[Any]]:
    """The labels sheet: a row per variable (variable, label, type), and after a choice or a 0/1
    variable a row per value (value, value label)."""
    yield ["variable", "label", "type", "value", "value_label"]
    for name in META_COLUMNS:
        yield [name, labels.word(name), "meta", None, None]
    for variable in schema.variables:
        yield [variable.name, variable_label(variable, labels), variable.kind.value, None, None]
        if variable.kind in (Kind.CHOICE, Kind.CHOICES):
            for option in variable.options:
                yield [variable.name, None, None, option.code, labels.option(option)]
        elif variable.kind is Kind.FLAG:
            yield [variable.name, None, None, 1, labels.word("chosen")]
            yield [variable.name, None, None, 0, labels.word("not_chosen")]
    for name in TRAILING_COLUMNS:
        yield [name, labels.word(name), "meta", None, None]


def variable_label(variable: Variable, labels: Labels) -> str:
    """The question text; for a 0/1 column "question: option"; for the other text
    "question: other, text"."""
    question = labels.text(variable.question.label)
    if variable.kind is Kind.FLAG and variable.option is not None:
        return f"{question}: {labels.option(variable.option)}"
    if variable.kind is Kind.OTHER:
        return f"{question}: {labels.word('other_text')}"
    return question


def write_xlsx(prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
    table = Table(prepared.versions, prepared.value_labels)
    convert = _converters(table)
    header = [text_cell(name) for name in table.header]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(header)
    count = in_sheet = 0
    for row in table.rows(prepared.records(progress)):
        if in_sheet == MAX_ROWS_PER_SHEET:
            sheet = workbook.create_sheet(f"data_{count // MAX_ROWS_PER_SHEET + 1}")
            sheet.append(header)
            in_sheet = 0
        sheet.append([function(value) for function, value in zip(convert, row, strict=True)])
        count += 1
        in_sheet += 1
    labels_sheet = workbook.create_sheet("labels")
    for label_row in label_rows(table.schema, prepared.labels):
        labels_sheet.append([_cell(value) for value in label_row])
    workbook.save(path)
    return count
