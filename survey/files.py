"""Spreadsheet files in and out: cells that stay data when a spreadsheet opens what we write, the safety check of every .xlsx workbook before a parser
sees it (questionnaires, translation sheets, offers, districts, fields), and reading a CSV or
XLSX table into rows of text cells keyed by column name.

Shared by the imports of districts, integration fields and offers. Nothing here knows what the
columns mean: the callers validate rows and report problems by row number and column, and
import nothing unless every row is valid.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Iterable, Mapping

from survey.problems import Phrase, Templated, fill, staff_text

MAX_ROWS = 5000
MAX_CELL = 10_000

# --- cells written to spreadsheets -------------------------------------------------------------

# A cell starting with one of these is run as a formula by Excel or LibreOffice
# (CSV injection, cf. LimeSurvey CVE-2019-16184).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralize(value: Any) -> Any:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# --- the .xlsx container ---------------------------------------------------------------------

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 1000
MAX_RATIO = 100  # uncompressed / compressed, for members larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


class WorkbookRefused(Templated, ValueError):
    """The upload is no safe .xlsx workbook; ``template`` and ``params`` say why (English, and
    translated by the staff pages). Each reader puts it into its own report."""

    def __init__(self, template: str, params: Mapping[str, Any]) -> None:
        self.template = template
        self.params = params
        super().__init__(self.message)


def _refuse(template: str, **params: Any) -> WorkbookRefused:
    return WorkbookRefused(template, params)


def check_workbook(raw: bytes) -> None:
    """Refuse (``WorkbookRefused``) anything that is not a plain, reasonably sized .xlsx archive,
    before any XML parser sees it: too large, old .xls, damaged, unsafe member names, password,
    unusual compression, zip bombs, XML entities."""
    if len(raw) > MAX_FILE_BYTES:
        raise _refuse(staff_text("the file is larger than %(mb)s MB."), mb=MAX_FILE_BYTES // 1024 // 1024)
    if raw.startswith(OLE_MAGIC):
        raise _refuse(staff_text("this is an old Excel .xls file; save it as .xlsx (Excel Workbook) and try again."))
    if not raw.startswith(ZIP_MAGIC):
        raise _refuse(staff_text("this is not an .xlsx workbook (an .xlsx file is a zip archive); save it as .xlsx."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except Exception:  # BadZipFile, zlib.error, ...: whatever the damage, one clear message
        raise _refuse(staff_text("the .xlsx archive is damaged and cannot be opened; save it again from Excel.")) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ENTRIES:
            raise _refuse(staff_text("the .xlsx archive has %(parts)s parts; at most %(maximum)s are accepted."),
                          parts=len(members), maximum=MAX_ENTRIES)
        total = 0
        names = set()
        for info in members:
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts
                    or "\x00" in name):
                raise _refuse(staff_text("the .xlsx archive contains the unsafe member name %(name)s."), name=repr(name[:80]))
            if info.flag_bits & 0x1:
                raise _refuse(staff_text("the workbook is password-protected; save it without a password."))
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse(staff_text("the .xlsx archive uses an unusual compression (%(method)s); save it again from Excel."),
                              method=info.compress_type)
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _refuse(staff_text("the workbook unpacks to more than %(mb)s MB."), mb=MAX_UNCOMPRESSED_BYTES // 1024 // 1024)
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _refuse(staff_text("the .xlsx member %(name)s is compressed suspiciously well (a zip bomb?)."), name=repr(name[:80]))
            names.add(name)
        if "xl/workbook.xml" not in names:
            raise _refuse(staff_text("the archive is not an Excel workbook (no xl/workbook.xml); save it as .xlsx."))
        read = 0
        for info in members:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(info) as member:
                    tail = b""
                    while chunk := member.read(64 * 1024):
                        read += len(chunk)
                        if read > MAX_UNCOMPRESSED_BYTES:
                            raise _refuse(staff_text("the workbook unpacks to more than its parts declare."))
                        window = tail + chunk
                        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                            raise _refuse(staff_text("the .xlsx member %(name)s declares XML entities, which Excel never writes; refused."),
                                          name=repr(info.filename[:80]))
                        tail = window[-16:]
            except WorkbookRefused:
                raise
            except Exception:  # a bad CRC, zlib.error, a truncated member
                raise _refuse(staff_text("the .xlsx member %(name)s is damaged; save the workbook again from Excel."),
                          name=repr(info.filename[:80])) from None


# --- tables ------------------------------------------------------------------------------------


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
        check_workbook(raw)
    except WorkbookRefused as error:
        raise TableImportError([_problem(None, None, "as_given", message=Phrase(error.template, error.params))]) from None
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
