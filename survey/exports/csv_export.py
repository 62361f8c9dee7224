"""CSV of submitted responses: one row per response, one column per question.

A multiple-choice question gives a column with the space-separated codes plus one 0/1 column per
option named ``question/option`` (the KoboToolbox/ODK convention). The "other, please specify"
text goes to ``question_other``. Answers are codes, or labels in a chosen language when a
``Labels`` is given (several chosen labels separated by "; ").
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from survey.exports.labels import Labels
from survey.exports.table import Table
from survey.exports.variables import META_COLUMNS, TRAILING_COLUMNS
from survey.files import CSV_QUOTING, neutralize
from survey.questionnaire.model import Questionnaire
from survey.store.responses import ResponseRecord

if TYPE_CHECKING:
    from survey.exports.request import PreparedExport, Progress

__all__ = ["META_COLUMNS", "TRAILING_COLUMNS", "ResponseRecord", "csv_cell", "iter_csv_text", "write_csv", "write_csv_file"]


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return neutralize(value)


def _rows(versions: list[Questionnaire], records: Iterable[ResponseRecord], labels: Labels | None) -> Iterator[list[Any]]:
    """The header, then one row per record, as cells ready for the csv module."""
    table = Table(versions, labels)
    yield table.header
    for row in table.rows(records):
        yield [csv_cell(value) for value in row]


def write_csv(
    out: TextIO,
    versions: list[Questionnaire],
    records: Iterable[ResponseRecord],
    delimiter: str = ",",
    labels: Labels | None = None,
) -> int:
    """Write the header and one row per record (streamed); returns the number of rows."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=CSV_QUOTING)
    count = -1
    for row in _rows(versions, records, labels):
        writer.writerow(row)
        count += 1
    return count


def iter_csv_text(
    versions: list[Questionnaire], records: Iterable[ResponseRecord], delimiter: str = ",", batch: int = 1000,
    labels: Labels | None = None,
) -> Iterator[str]:
    """The same CSV as pieces of text of ``batch`` rows, for a streamed HTTP download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=CSV_QUOTING)
    for number, row in enumerate(_rows(versions, records, labels), start=1):
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
    """The registered ``csv`` format: the request's delimiter, byte order mark and labels."""
    request = prepared.request
    with open(path, "w", encoding="utf-8-sig" if request.bom else "utf-8", newline="") as handle:
        return write_csv(handle, prepared.versions, prepared.records(progress), request.delimiter, prepared.value_labels)
