"""Read an uploaded table (CSV or XLSX) into rows of text cells keyed by column name.

Shared by the imports of districts, integration fields and offers. Nothing here knows what the
columns mean: the callers validate rows and report problems by row number and column, and
import nothing unless every row is valid.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.xlsform_reader import check_container
from survey.problems import Phrase, Templated, fill, staff_text

MAX_ROWS = 5000
MAX_CELL = 10_000


# English templates of every problem this module reports, and of the place in front of it
# (``RowProblem.format``), marked for the staff catalogue (survey/staff/problem_texts.py translates).
MESSAGES: dict[str, str] = {
    "at_row_column": staff_text("row %(row)s, column %(column)s: %(message)s"),
    "at_row": staff_text("row %(row)s: %(message)s"),
    "at_column": staff_text("column %(column)s: %(message)s"),
    "control_character": staff_text("contains a control character; remove it."),
    "too_long": staff_text("is longer than %(maximum)s characters."),
    "not_csv_or_xlsx": staff_text("upload a .csv or .xlsx file."),
    "no_header": staff_text("the first row must hold the column names."),
    "missing_column": staff_text("this column is required but missing."),
    "column_twice": staff_text("this column appears twice."),
    "too_many_rows": staff_text("the table has %(rows)s rows; at most %(maximum)s are accepted at once."),
    "not_utf8": staff_text("the file is not UTF-8 text. In Excel choose 'CSV UTF-8 (comma delimited)' when saving."),
    "csv_unreadable": staff_text("the CSV cannot be read: %(error)s."),
    "csv_field_too_large": staff_text("a cell is longer than %(limit)s characters; is this the right file?"),
    "workbook_unreadable": staff_text("the workbook cannot be read; save it again as .xlsx."),
    "too_many_cells": staff_text("this row has more cells than there are column names."),
    "as_given": staff_text("%(message)s"),  # a problem worded elsewhere (the container check of an .xlsx file)
}


@dataclass(frozen=True)
class RowProblem(Templated):
    """What is wrong in one place of the table; ``row`` counts like a spreadsheet (header = 1).
    ``template`` is one of the English templates of a ``MESSAGES``, filled with ``params``."""

    row: int | None
    column: str | None
    template: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def place(self) -> str | None:
        """The key in ``MESSAGES`` of the place in front of the message, if there is one."""
        if self.row is not None and self.column:
            return "at_row_column"
        if self.row is not None:
            return "at_row"
        if self.column:
            return "at_column"
        return None

    def format(self) -> str:
        place = self.place()
        if place is None:
            return self.message
        return fill(MESSAGES[place], {"row": self.row, "column": self.column, "message": self.message})


def _problem(row: int | None, column: str | None, key: str, **params: Any) -> RowProblem:
    return RowProblem(row, column, MESSAGES[key], params)


class TableImportError(ValueError):
    """The table was refused as a whole; ``problems`` lists every problem found."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(problem.format() for problem in problems))


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, cells)


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    # Control characters other than line breaks and tabs never belong in a cell (and NUL
    # breaks PostgreSQL); refuse rather than silently change what someone typed.
    return text.strip()


def _check_cells(table: Table) -> list[RowProblem]:
    problems = []
    for number, cells in table.rows:
        for column, value in cells.items():
            if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
                problems.append(_problem(number, column, "control_character"))
            elif len(value) > MAX_CELL:
                problems.append(_problem(number, column, "too_long", maximum=MAX_CELL))
    return problems


def read_table(raw: bytes, file_name: str, required: Iterable[str] = ()) -> Table:
    """Read CSV (comma, semicolon or tab separated; UTF-8, with or without BOM) or XLSX (first
    sheet). Column names are compared lower-case and without surrounding spaces."""
    if file_name.lower().endswith(".xlsx"):
        table = _read_xlsx(raw, file_name)
    elif file_name.lower().endswith((".csv", ".txt", ".tsv")):
        table = _read_csv(raw)
    else:
        raise TableImportError([_problem(None, None, "not_csv_or_xlsx")])
    if not table.columns:
        raise TableImportError([_problem(1, None, "no_header")])
    missing = [name for name in required if name not in table.columns]
    problems = [_problem(1, name, "missing_column") for name in missing]
    duplicates = {name for name in table.columns if name and table.columns.count(name) > 1}
    problems += [_problem(1, name, "column_twice") for name in sorted(duplicates)]
    if len(table.rows) > MAX_ROWS:
        problems.append(_problem(None, None, "too_many_rows", rows=len(table.rows), maximum=MAX_ROWS))
    problems += _check_cells(table)
    if problems:
        raise TableImportError(problems)
    return table


def _read_csv(raw: bytes) -> Table:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise TableImportError([_problem(line, None, "not_utf8")]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        all_rows = list(reader)
    except csv.Error as error:
        if str(error).startswith("field larger than field limit"):  # the one csv.Error non-strict reading raises
            raise TableImportError([_problem(reader.line_num, None, "csv_field_too_large", limit=csv.field_size_limit())]) from None
        raise TableImportError([_problem(reader.line_num, None, "csv_unreadable", error=str(error))]) from None
    return _table_from_rows(enumerate(all_rows, start=1))


def _read_xlsx(raw: bytes, file_name: str) -> Table:
    from openpyxl import load_workbook

    try:
        check_container(raw, file_name)
    except QuestionnaireError as error:
        raise TableImportError([_problem(None, None, "as_given", message=Phrase(problem.template, problem.params))
                                for problem in error.problems]) from None
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # whatever openpyxl trips over in a damaged file: one clear message
        raise TableImportError([_problem(None, None, "workbook_unreadable")]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _table_from_rows(rows, limit=MAX_ROWS + 2)
    finally:
        workbook.close()


def _table_from_rows(rows: Iterable[tuple[int, list[object]]], limit: int | None = None) -> Table:
    table: Table | None = None
    for number, values in rows:
        cells = [_clean(value) for value in values]
        if table is None:
            if not any(cells):
                continue  # leading empty rows
            table = Table([cell.lower() for cell in cells])
            continue
        if not any(cells):
            continue
        extra = cells[len(table.columns):]
        if any(extra):
            raise TableImportError([_problem(number, None, "too_many_cells")])
        table.rows.append((number, {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(table.columns) if name}))
        if limit is not None and len(table.rows) > limit:
            break
    return table or Table([])
