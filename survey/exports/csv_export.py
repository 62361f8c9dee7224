"""CSV of submitted responses: one row per response, one column per question.

A multiple-choice question gives a column with the space-separated codes plus one 0/1 column per
option named ``question/option`` (the KoboToolbox/ODK convention). The "other, please specify"
text goes to ``question_other``. Answers are codes, or labels in a chosen language when a
``Labels`` is given (several chosen labels separated by "; ").
"""
from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from survey.exports.labels import Labels
from survey.exports.table import Table
from survey.exports.variables import META_COLUMNS, TRAILING_COLUMNS, Kind, parse_date
from survey.files import INTERNATIONAL, CsvDialect
from survey.questionnaire.model import Questionnaire
from survey.store.responses import ResponseRecord

if TYPE_CHECKING:
    from survey.exports.request import PreparedExport, Progress

__all__ = ["META_COLUMNS", "TRAILING_COLUMNS", "ResponseRecord", "iter_csv_text", "write_csv", "write_csv_file"]


def _converters(table: Table, dialect: CsvDialect) -> list[Callable[[Any], Any]]:
    """Per column: the dialect's cell; a date question's answer (ISO text) as a date first."""
    def date_cell(value: Any) -> Any:
        parsed = parse_date(value)
        return dialect.cell(parsed if parsed is not None else value)

    kinds = [None] * len(META_COLUMNS) + [v.kind for v in table.schema.variables] + [None] * len(TRAILING_COLUMNS)
    return [date_cell if kind is Kind.DATE else dialect.cell for kind in kinds]


def _rows(versions: list[Questionnaire], records: Iterable[ResponseRecord], labels: Labels | None,
          dialect: CsvDialect) -> Iterator[list[Any]]:
    """The header, then one row per record, as cells ready for the csv module."""
    table = Table(versions, labels)
    yield dialect.row(table.header)
    converters = _converters(table, dialect)
    for row in table.rows(records):
        yield [convert(value) for convert, value in zip(converters, row, strict=True)]


def write_csv(
    out: TextIO,
    versions: list[Questionnaire],
    records: Iterable[ResponseRecord],
    dialect: CsvDialect = INTERNATIONAL,
    labels: Labels | None = None,
) -> int:
    """Write the header and one row per record (streamed); returns the number of rows. The byte
    order mark, if the dialect has one, is the caller's (the file's encoding)."""
    writer = dialect.writer(out)
    count = -1
    for row in _rows(versions, records, labels, dialect):
        writer.writerow(row)
        count += 1
    return count


def iter_csv_text(
    versions: list[Questionnaire], records: Iterable[ResponseRecord], dialect: CsvDialect = INTERNATIONAL,
    batch: int = 1000, labels: Labels | None = None,
) -> Iterator[str]:
    """The same CSV as pieces of text of ``batch`` rows, for a streamed HTTP download; the byte
    order mark first when the dialect has one."""
    buffer = io.StringIO()
    buffer.write(dialect.start)
    writer = dialect.writer(buffer)
    for number, row in enumerate(_rows(versions, records, labels, dialect), start=1):
        writer.writerow(row)
        if number % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            # A long download must not hold up the server's other requests: under gevent this is
            # a switch to them, under threads a moment without the GIL.
            time.sleep(0)
    yield buffer.getvalue()


def write_csv_file(prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
    """The registered ``csv`` format: the request's CSV dialect and labels."""
    dialect = prepared.request.csv_dialect
    with open(path, "w", encoding=dialect.encoding, newline="") as handle:
        return write_csv(handle, prepared.versions, prepared.records(progress), dialect, prepared.value_labels)
