"""CSV of submitted responses: one row per response, one column per question.

A multiple-choice question gives a column with the space-separated codes plus one 0/1 column per
option named ``question/option`` (the KoboToolbox/ODK convention). The "other, please specify"
text goes to ``question_other``. Answers are codes, never translated labels.
"""
from __future__ import annotations

import csv
import io
import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, TextIO

from survey.exports.cells import neutralize
from survey.questionnaire.model import Question, Questionnaire, QuestionType

META_COLUMNS = ("response_id", "submitted_at", "language")
TRAILING_COLUMNS = ("questionnaire_version", "channel", "interviewer_entered")


@dataclass(frozen=True)
class ResponseRecord:
    response_id: str
    submitted_at: dt.datetime
    language: str
    questionnaire_version: int
    channel: str
    answers: Mapping[str, Any]
    interviewer_entered: bool = False  # staff entered it (paper questionnaire, assisted)


@dataclass(frozen=True)
class Column:
    name: str
    value: Callable[[Mapping[str, Any]], Any]


def _join(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return value


def _question_columns(question: Question) -> list[Column]:
    code = question.code
    columns = [Column(code, lambda answers, code=code: _join(answers.get(code)))]
    if question.type is QuestionType.MULTIPLE_CHOICE:
        for option in question.all_options():
            def flag(answers: Mapping[str, Any], code: str = code, option_code: str = option.code) -> Any:
                value = answers.get(code)
                if value is None:
                    return None  # not asked or not answered: neither yes nor no
                return 1 if option_code in value else 0
            columns.append(Column(f"{code}/{option.code}", flag))
    if question.other:
        columns.append(Column(question.other_code, lambda answers, key=question.other_code: answers.get(key)))
    return columns


def answer_columns(versions: Iterable[Questionnaire]) -> list[Column]:
    """Columns for every answerable question of the given versions (newest first): codes are
    stable across versions, so each appears once, in the order of the newest version."""
    columns: list[Column] = []
    seen: set[str] = set()
    for questionnaire in versions:
        for question in questionnaire.questions():
            if question.takes_answer and question.code not in seen:
                seen.add(question.code)
                columns.extend(_question_columns(question))
    return columns


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return neutralize(value)


def _rows(versions: list[Questionnaire], records: Iterable[ResponseRecord]) -> Iterator[list[Any]]:
    """The header, then one row per record, as cells ready for the csv module."""
    columns = answer_columns(versions)
    yield [*META_COLUMNS, *(column.name for column in columns), *TRAILING_COLUMNS]
    for record in records:
        submitted = record.submitted_at
        if submitted.tzinfo is None:  # SQLite returns naive datetimes; they are stored as UTC
            submitted = submitted.replace(tzinfo=dt.timezone.utc)
        yield [
            _cell(record.response_id),
            submitted.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
            _cell(record.language),
            *(_cell(column.value(record.answers)) for column in columns),
            record.questionnaire_version,
            _cell(record.channel),
            1 if record.interviewer_entered else 0,
        ]


def write_csv(
    out: TextIO,
    versions: list[Questionnaire],
    records: Iterable[ResponseRecord],
    delimiter: str = ",",
) -> int:
    """Write the header and one row per record (streamed); returns the number of rows."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    count = -1
    for row in _rows(versions, records):
        writer.writerow(row)
        count += 1
    return count


def iter_csv_text(
    versions: list[Questionnaire], records: Iterable[ResponseRecord], delimiter: str = ",", batch: int = 1000
) -> Iterator[str]:
    """The same CSV as pieces of text of ``batch`` rows, for a streamed HTTP download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for number, row in enumerate(_rows(versions, records), start=1):
        writer.writerow(row)
        if number % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
