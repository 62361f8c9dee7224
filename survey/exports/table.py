"""One row per response as plain values, shared by the CSV and Excel writers.

Values are raw Python values (None for "not asked or not answered"); each writer turns them into
its own cells. Multiple choice answers come as one text: codes separated by spaces, or labels
separated by "; " when the analyst asked for labels.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from survey.exports.labels import Labels
from survey.exports.variables import Kind, QuestionColumns, Schema
from survey.questionnaire.model import Questionnaire
from survey.store.responses import ResponseRecord

ValuesFunction = Callable[[Mapping[str, Any]], list[Any]]


def _with_codes(columns: QuestionColumns) -> ValuesFunction:
    values = columns.values
    if columns.variables[0].kind is not Kind.CHOICES:
        return values

    def joined(answers: Mapping[str, Any]) -> list[Any]:
        row = values(answers)
        if row[0] is not None:
            row[0] = " ".join(str(item) for item in row[0])
        return row
    return joined


def _with_labels(columns: QuestionColumns, labels: Labels) -> ValuesFunction:
    values = columns.values
    first = columns.variables[0]
    if first.kind not in (Kind.CHOICE, Kind.CHOICES):
        return values
    options = {option.code: option for option in first.options}

    def labelled(answers: Mapping[str, Any]) -> list[Any]:
        row = values(answers)
        row[0] = labels.choice(options, row[0])
        return row
    return labelled


class Table:
    """The header and the rows of one export."""

    def __init__(self, versions: Sequence[Questionnaire] | Schema, labels: Labels | None = None) -> None:
        self.schema = versions if isinstance(versions, Schema) else Schema(list(versions))
        self.labels = labels
        self._functions = [_with_labels(c, labels) if labels else _with_codes(c) for c in self.schema.columns]

    @property
    def header(self) -> list[str]:
        return self.schema.header()

    def row(self, record: ResponseRecord) -> list[Any]:
        """response_id, submitted_at (aware UTC datetime), language, the answers, version,
        channel, interviewer_entered (1/0)."""
        answers = record.answers
        row: list[Any] = [record.response_id, record.submitted_utc, record.language]
        for function in self._functions:
            row += function(answers)
        row += [record.questionnaire_version, record.channel, 1 if record.interviewer_entered else 0]
        return row

    def rows(self, records: Iterable[ResponseRecord]) -> Iterator[list[Any]]:
        for record in records:
            yield self.row(record)
