"""Files in and out: cells that stay data when a spreadsheet opens what we write,
the safety check of every .xlsx workbook before a parser sees it (questionnaires, translation
sheets, offers, districts, fields), and reading a CSV or XLSX table into rows of text cells keyed
by column name; the check of the city's logo (PNG or JPEG only, encoded anew).

Shared by the imports of districts, integration fields and offers. Nothing here knows what the
columns mean: the callers validate rows and report problems (survey/problems.py) placed at row
number and column, and import nothing unless every row is valid.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any, Final

from survey.problems import Problem, Refused, Where, staff_text

MAX_ROWS = 5000
MAX_CELL = 10_000

# --- cells written to spreadsheets -------------------------------------------------------------

# A cell starting with one of these is run as a formula by Excel or LibreOffice (CSV injection,
# cf. LimeSurvey CVE-2019-16184); the fullwidth forms count too, since spreadsheets fold them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A program that splits a line on a separator without honouring quotes (a CSV read with the other
# separator, a text import) starts a new cell after it: a formula character there is one, too.
_AFTER_SEPARATOR = re.compile("([,;\t|][ ]*)([=+\\-@\uff1d\uff0b\uff0d\uff20])")
_NEUTRALISED_AFTER_SEPARATOR = re.compile("([,;\t|][ ]*)'([=+\\-@\uff1d\uff0b\uff0d\uff20])")
# Every CSV we write quotes its text cells, so a cell holding either separator stays one cell
# whichever separator a spreadsheet splits on; numbers stay bare.
CSV_QUOTING: Final = csv.QUOTE_NONNUMERIC


def neutralize(value: Any) -> Any:
    """Text a spreadsheet would read as a formula, at its start or after a separator, gets an
    apostrophe in front of the formula character; numbers stay."""
    if not isinstance(value, str):
        return value
    text = _AFTER_SEPARATOR.sub(r"\1'\2", value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def restore(value: str) -> str:
    """What ``neutralize`` changed, taken back (a table we wrote, imported again)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        value = value[1:]
    return _NEUTRALISED_AFTER_SEPARATOR.sub(r"\1\2", value)



class _Number(float):
    """A number as the dialect writes it ("0,25"): still a number to the csv module, which
    quotes only what is not one (CSV_QUOTING), so a spreadsheet reads it as a number."""

    text: str

    def __new__(cls, value: float, text: str) -> _Number:
        number = super().__new__(cls, value)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV we write looks: its separator, a UTF-8 byte order mark (which tells Excel the
    file is UTF-8), the decimal separator, and how dates are written (``date_format`` for
    strftime; None: ISO 8601). Every writer takes one; the cells pass ``cell``, which also
    neutralises text, so both dialects keep formulas out."""

    name: str
    delimiter: str
    bom: bool
    decimal: str
    date_format: str | None

    def __post_init__(self) -> None:
        if self.delimiter == self.decimal:
            raise ValueError(f"the separator {self.delimiter!r} cannot also be the decimal separator")

    @property
    def encoding(self) -> str:
        """For a file opened in text mode: with the byte order mark when the dialect has one."""
        return "utf-8-sig" if self.bom else "utf-8"

    @property
    def start(self) -> str:
        """What a CSV sent as text begins with: the byte order mark, or nothing."""
        return "\ufeff" if self.bom else ""

    def writer(self, out: Any) -> Any:
        """A csv writer on ``out`` in this dialect (cells: pass them through ``cell``)."""
        return csv.writer(out, delimiter=self.delimiter, lineterminator="\r\n", quoting=CSV_QUOTING)

    def cell(self, value: Any) -> Any:
        """A value as this dialect writes it: nothing (None, NaN) empty, whole floats as integers,
        other numbers with the dialect's decimal separator, dates and times in its format (times
        as UTC, without a zone when the format is not ISO), text neutralised."""
        if value is None or isinstance(value, bool):
            return "" if value is None else value
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            number = float(value)
            if math.isnan(number):
                return ""
            if number.is_integer():
                return int(number)
            return number if self.decimal == "." else _Number(number, repr(number).replace(".", self.decimal))
        if isinstance(value, dt.datetime):
            if self.date_format is None:
                return value.isoformat(timespec="seconds")
            utc = value.astimezone(dt.UTC) if value.tzinfo else value
            return utc.strftime(f"{self.date_format} %H:%M:%S")
        if isinstance(value, dt.date):
            return value.isoformat() if self.date_format is None else value.strftime(self.date_format)
        return neutralize(value)

    def row(self, values: Iterable[Any]) -> list[Any]:
        return [self.cell(value) for value in values]

    def text(self, rows: Iterable[Iterable[Any]]) -> str:
        """A whole (small) CSV as text, the byte order mark included when the dialect has one."""
        buffer = io.StringIO()
        buffer.write(self.start)
        writer = self.writer(buffer)
        for values in rows:
            writer.writerow(self.row(values))
        return buffer.getvalue()

    def with_overrides(self, delimiter: str | None = None, bom: bool | None = None) -> CsvDialect:
        """This dialect with another separator or byte order mark (the CLI's --delimiter, --bom)."""
        return replace(self, delimiter=self.delimiter if delimiter is None else delimiter,
                       bom=self.bom if bom is None else bom)

    def to_options(self) -> dict[str, Any]:
        """JSON-safe, for a stored export job and the audit log."""
        return {"csv_dialect": self.name, "delimiter": self.delimiter, "bom": self.bom}

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> CsvDialect:
        """The dialect of stored options. Options stored before dialects existed have only a
        separator and a byte order mark and were written with decimal points and ISO dates: the
        international dialect with them."""
        base = CSV_DIALECTS.get(str(options.get("csv_dialect")), INTERNATIONAL)
        delimiter = options.get("delimiter") or None
        return base.with_overrides(delimiter, None if options.get("bom") is None else bool(options["bom"]))


# Staff are German office users: what the staff area gives out by default opens as a table in
# German Excel (semicolons, UTF-8 marked, decimal comma, 31.12.2026). R, Stata and pandas read
# the international dialect with their defaults; the CLI writes it unless told otherwise.
GERMAN_EXCEL: Final = CsvDialect("excel-de", delimiter=";", bom=True, decimal=",", date_format="%d.%m.%Y")
INTERNATIONAL: Final = CsvDialect("international", delimiter=",", bom=False, decimal=".", date_format=None)
CSV_DIALECTS: Final = {dialect.name: dialect for dialect in (GERMAN_EXCEL, INTERNATIONAL)}

# --- the .xlsx container ---------------------------------------------------------------------

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 1000
MAX_RATIO = 100  # uncompressed / compressed, for members larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


class WorkbookRefused(Refused):
    """The upload is no safe .xlsx workbook; its one problem says why. Each reader puts that
    problem into its own report."""

    @property
    def problem(self) -> Problem:
        return self.problems[0]


def _refuse(code: str, template: str, /, **params: Any) -> WorkbookRefused:
    return WorkbookRefused([Problem(code, template, params)])


def check_workbook(raw: bytes) -> None:
    """Refuse (``WorkbookRefused``) anything that is not a plain, reasonably sized .xlsx archive,
    before any XML parser sees it: too large, old .xls, damaged, unsafe member names, password,
    unusual compression, zip bombs, XML entities."""
    if len(raw) > MAX_FILE_BYTES:
        raise _refuse("too_large", staff_text("The file is larger than %(mb)s MB."), mb=MAX_FILE_BYTES // 1024 // 1024)
    if raw.startswith(OLE_MAGIC):
        raise _refuse("old_xls", staff_text("This is an old Excel .xls file; save it as .xlsx (Excel Workbook) and try again."))
    if not raw.startswith(ZIP_MAGIC):
        raise _refuse("not_xlsx", staff_text("This is not an .xlsx workbook (an .xlsx file is a zip archive); save it as .xlsx."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except Exception:  # BadZipFile, zlib.error, ...: whatever the damage, one clear message
        raise _refuse("damaged", staff_text("The .xlsx archive is damaged and cannot be opened; save it again from Excel.")) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ENTRIES:
            raise _refuse("too_many_parts", staff_text("The .xlsx archive has %(parts)s parts; at most %(maximum)s are accepted."),
                          parts=len(members), maximum=MAX_ENTRIES)
        total = 0
        names = set()
        for info in members:
            name = info.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts
                    or "\x00" in name):
                raise _refuse("unsafe_name", staff_text("The .xlsx archive contains the unsafe member name %(name)s."),
                              name=repr(name[:80]))
            if info.flag_bits & 0x1:
                raise _refuse("password", staff_text("The workbook is password-protected; save it without a password."))
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse("compression", staff_text("The .xlsx archive uses an unusual compression (%(method)s); save it again "
                                                        "from Excel."), method=info.compress_type)
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _refuse("too_large_unpacked", staff_text("The workbook unpacks to more than %(mb)s MB."),
                              mb=MAX_UNCOMPRESSED_BYTES // 1024 // 1024)
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _refuse("zip_bomb", staff_text("The .xlsx member %(name)s is compressed suspiciously well (a zip bomb?)."),
                              name=repr(name[:80]))
            names.add(name)
        if "xl/workbook.xml" not in names:
            raise _refuse("not_a_workbook", staff_text("The archive is not an Excel workbook (no xl/workbook.xml); save it as .xlsx."))
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
                            raise _refuse("too_large_unpacked", staff_text("The workbook unpacks to more than its parts declare."))
                        window = tail + chunk
                        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                            raise _refuse("xml_entities", staff_text("The .xlsx member %(name)s declares XML entities, which "
                                                                     "Excel never writes; it is refused."),
                                          name=repr(info.filename[:80]))
                        tail = window[-16:]
            except WorkbookRefused:
                raise
            except Exception:  # a bad CRC, zlib.error, a truncated member
                raise _refuse("damaged", staff_text("The .xlsx member %(name)s is damaged; save the workbook again from Excel."),
                              name=repr(info.filename[:80])) from None


# --- tables ------------------------------------------------------------------------------------


def table_problem(row: int | None, column: str | None, code: str, template: str, /, **params: Any) -> Problem:
    """A problem of a table at ``row`` (counted like a spreadsheet: header = 1) and ``column``
    (its name), either of them None for the table as a whole."""
    return Problem(code, template, params, where=Where(row=row, column=column or ""))


class TableImportError(Refused):
    """The table was refused as a whole; ``problems`` lists every problem found."""


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, cells)


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    # Control characters other than line breaks and tabs never belong in a cell (and NUL
    # breaks PostgreSQL); refuse rather than silently change what someone typed.
    return text.strip()


def _check_cells(table: Table) -> list[Problem]:
    problems = []
    for number, cells in table.rows:
        for column, value in cells.items():
            if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
                problems.append(table_problem(number, column, "control_character",
                                              staff_text("This cell contains a control character; remove it.")))
            elif len(value) > MAX_CELL:
                problems.append(table_problem(number, column, "too_long", staff_text("This cell is longer than %(maximum)s characters."),
                                              maximum=MAX_CELL))
    return problems


def read_table(raw: bytes, file_name: str, required: Iterable[str] = ()) -> Table:
    """Read CSV (comma, semicolon or tab separated; UTF-8, with or without BOM) or XLSX (first
    sheet). Column names are compared lower-case and without surrounding spaces."""
    if file_name.lower().endswith(".xlsx"):
        table = _read_xlsx(raw, file_name)
    elif file_name.lower().endswith((".csv", ".txt", ".tsv")):
        table = _read_csv(raw)
    else:
        raise TableImportError([table_problem(None, None, "not_csv_or_xlsx", staff_text("Upload a .csv or .xlsx file."))])
    if not table.columns:
        raise TableImportError([table_problem(1, None, "no_header", staff_text("The first row must hold the column names."))])
    missing = [name for name in required if name not in table.columns]
    problems = [table_problem(1, name, "missing_column", staff_text("This column is required but missing.")) for name in missing]
    duplicates = {name for name in table.columns if name and table.columns.count(name) > 1}
    problems += [table_problem(1, name, "column_twice", staff_text("This column appears twice.")) for name in sorted(duplicates)]
    if len(table.rows) > MAX_ROWS:
        problems.append(table_problem(None, None, "too_many_rows",
                                      staff_text("The table has %(rows)s rows; at most %(maximum)s are accepted at once."),
                                      rows=len(table.rows), maximum=MAX_ROWS))
    problems += _check_cells(table)
    if problems:
        raise TableImportError(problems)
    return table


def _read_csv(raw: bytes) -> Table:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise TableImportError([table_problem(line, None, "not_utf8", staff_text(
            "The file is not UTF-8 text. In Excel choose 'CSV UTF-8 (comma delimited)' when saving."))]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        all_rows = list(reader)
    except csv.Error as error:
        if str(error).startswith("field larger than field limit"):  # the one csv.Error non-strict reading raises
            raise TableImportError([table_problem(reader.line_num, None, "csv_field_too_large", staff_text(
                "A cell is longer than %(limit)s characters; is this the right file?"), limit=csv.field_size_limit())]) from None
        # The csv module's own English words, passed on as they are.
        raise TableImportError([table_problem(reader.line_num, None, "csv_unreadable",
                                              staff_text("The CSV cannot be read: %(error)s."), error=str(error))]) from None
    return _table_from_rows(enumerate(all_rows, start=1))


def _read_xlsx(raw: bytes, file_name: str) -> Table:
    from openpyxl import load_workbook

    try:
        check_workbook(raw)
    except WorkbookRefused as error:
        raise TableImportError(error.problems) from None
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # whatever openpyxl trips over in a damaged file: one clear message
        raise TableImportError([table_problem(None, None, "workbook_unreadable",
                                              staff_text("The workbook cannot be read; save it again as .xlsx."))]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _table_from_rows(rows, limit=MAX_ROWS + 2)
    finally:
        workbook.close()


def _table_from_rows(rows: Iterable[tuple[int, Sequence[object]]], limit: int | None = None) -> Table:
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
            raise TableImportError([table_problem(number, None, "too_many_cells",
                                                  staff_text("This row has more cells than there are column names."))])
        table.rows.append((number, {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(table.columns) if name}))
        if limit is not None and len(table.rows) > limit:
            break
    return table or Table([])


# --- the city's logo ---------------------------------------------------------------------------

MAX_LOGO_BYTES = 256 * 1024
MAX_LOGO_SIDE = 2000  # pixels
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


class LogoRefused(Refused):
    """The upload is no logo this server serves; its one problem says why."""

    @property
    def problem(self) -> Problem:
        return self.problems[0]


def checked_logo(raw: bytes) -> tuple[bytes, str]:
    """The logo as it will be served (bytes, media type), or ``LogoRefused``. Only PNG and JPEG,
    recognised by their first bytes and then decoded completely by Pillow (no SVG: it can carry
    scripts and links), at most 256 KB and 2000 pixels a side. The image is encoded anew, so
    nothing of the upload but its pixels is served: no metadata (a camera's GPS position, an
    author's name), no bytes appended after the image."""
    def refuse(code: str, template: str, **params: Any) -> LogoRefused:
        return LogoRefused([Problem(code, template, params, where=Where(field="logo"))])

    if len(raw) > MAX_LOGO_BYTES:
        raise refuse("logo_too_large", staff_text("The logo is larger than %(kb)s KB."), kb=MAX_LOGO_BYTES // 1024)
    if not raw.startswith((PNG_MAGIC, JPEG_MAGIC)):
        raise refuse("logo_not_png_or_jpeg", staff_text("The logo must be a PNG or JPEG image (SVG and other formats are not accepted)."))
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=list(LOGO_TYPES)) as probe:
                # The file's structure to its end. load() alone lets a truncated file through once
                # any library set Pillow's global LOAD_TRUNCATED_IMAGES (WeasyPrint does on import).
                probe.verify()
            with Image.open(io.BytesIO(raw), formats=list(LOGO_TYPES)) as image:
                if max(image.size) > MAX_LOGO_SIDE:
                    raise refuse("logo_too_wide", staff_text(
                        "The logo is %(width)s × %(height)s pixels; at most %(side)s a side are accepted."),
                        width=image.size[0], height=image.size[1], side=MAX_LOGO_SIDE)
                kind = image.format or ""
                image.load()  # decodes every pixel: a damaged or truncated file fails here
                pixels = image.convert("RGBA" if kind == "PNG" else "RGB")
    except LogoRefused:
        raise
    except Exception:  # UnidentifiedImageError, OSError, DecompressionBomb...: one clear message
        raise refuse("logo_damaged", staff_text("The logo cannot be read as an image; save it again as PNG or JPEG.")) from None
    if kind not in LOGO_TYPES:
        raise refuse("logo_not_png_or_jpeg", staff_text("The logo must be a PNG or JPEG image (SVG and other formats are not accepted)."))
    out = io.BytesIO()
    if kind == "PNG":
        pixels.save(out, format="PNG", optimize=True)
    else:
        pixels.save(out, format="JPEG", quality=90)
    return out.getvalue(), LOGO_TYPES[kind]
