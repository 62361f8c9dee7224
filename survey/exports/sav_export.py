"""SPSS data file (.sav) with variable labels, value labels and measure levels, via pyreadstat.

- A choice question (single choice, yes/no, scale, district) is one numeric variable with value
  labels: a scale keeps its numbers, yes/no is 1/0, other options are numbered 1, 2, ... in the
  order they first appeared (see ``Schema.option_numbers``). Value labels are the option labels
  in the label language, or the option codes when the analyst asked for codes.
- A multiple choice question is one 0/1 variable per option ("question: option" as its label);
  not asked or not answered is system-missing. Its "other" text is a string variable.
- Names follow SPSS rules (``spss_name``): at most 64 bytes, a letter first, then letters,
  digits and ``_ . @ # $``, not a reserved word, unique ignoring case. ``help_areas/language``
  becomes ``help_areas.language`` (an underscore would clash with ``barriers_other``, the text
  beside ``barriers/other``); other names stay as in the CSV.
- Strings up to 32,767 bytes (longer ones are cut there, ending with "[…]"); text values are
  neutralised like the CSV's.

pyreadstat writes from a data frame, so unlike the CSV and Excel writers this one holds all rows
in memory; the frame is built column by column in compact types (1-byte integers with a mask
for 0/1 and choice variables, categoricals for texts), about 2 bytes per response and 0/1
variable (docs/performance.md has the numbers).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyreadstat

from survey.exports.labels import Labels
from survey.exports.variables import Kind, Schema, Variable, parse_date
from survey.exports.xlsx_export import variable_label
from survey.files import neutralize
from survey.questionnaire.model import QuestionType

if TYPE_CHECKING:
    from survey.exports.request import PreparedExport, Progress

MAX_NAME_BYTES = 64
MAX_VARIABLE_LABEL_BYTES = 256
MAX_VALUE_LABEL_BYTES = 120
MAX_STRING_BYTES = 32_767
CUT_MARK = "[…]"
RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
_INVALID = re.compile(r"[^A-Za-z0-9_.@#$]")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def cut_bytes(text: str, limit: int, mark: str = "") -> str:
    """``text`` shortened to ``limit`` UTF-8 bytes at a character boundary (ending with ``mark``
    when it was cut)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(mark.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + mark


def spss_name(name: str, taken: set[str]) -> str:
    """A valid, unique SPSS variable name for an export column; ``taken`` holds the upper-case
    names used so far and gets the new one."""
    # "q/option" (a 0/1 column) becomes "q.option": "q_option" would clash with "q_other".
    candidate = _INVALID.sub("_", name.replace("/", "."))
    if not candidate or not candidate[0].isalpha():
        candidate = "v" + candidate
    candidate = candidate[:MAX_NAME_BYTES].rstrip(".") or "v"
    if candidate.upper() in RESERVED:
        candidate += "_"
    unique, number = candidate, 1
    while unique.upper() in taken:
        number += 1
        suffix = f"_{number}"
        unique = candidate[: MAX_NAME_BYTES - len(suffix)].rstrip(".") + suffix
    taken.add(unique.upper())
    return unique


def _spss_text(value: Any) -> Any:
    if value is None:
        return None
    return cut_bytes(str(neutralize(str(value))), MAX_STRING_BYTES, CUT_MARK)


class _Numbers:
    """A growing integer column with a missing mask (becomes a nullable pandas integer). It starts
    in the smallest type its expected values fit (1 byte for 0/1 and most choices) and widens
    only when a value does not fit, so a million rows of a 0/1 variable take 2 MB, not 9."""

    def __init__(self, capacity: int, largest: int = 127) -> None:
        self.dtype = _smallest_int(-largest - 1, largest)
        self.data = np.zeros(capacity, dtype=self.dtype)
        self.missing = np.ones(capacity, dtype=bool)

    def set(self, row: int, value: int | None) -> None:
        if value is not None:
            limits = np.iinfo(self.dtype)
            if not limits.min <= value <= limits.max:
                self.dtype = _smallest_int(min(value, limits.min), max(value, limits.max))
                self.data = self.data.astype(self.dtype)
            self.data[row] = value
            self.missing[row] = False

    def grow(self, capacity: int) -> None:
        self.data = np.concatenate([self.data, np.zeros(capacity - len(self.data), dtype=self.dtype)])
        self.missing = np.concatenate([self.missing, np.ones(capacity - len(self.missing), dtype=bool)])

    def series(self, rows: int) -> Any:
        return pd.arrays.IntegerArray(self.data[:rows].copy(), self.missing[:rows].copy())


def _smallest_int(low: int, high: int) -> Any:
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if np.iinfo(t).min <= low and high <= np.iinfo(t).max)


class _Floats:
    def __init__(self, capacity: int) -> None:
        self.data = np.full(capacity, np.nan)

    def set(self, row: int, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.data[row] = value

    def grow(self, capacity: int) -> None:
        self.data = np.concatenate([self.data, np.full(capacity - len(self.data), np.nan)])

    def series(self, rows: int) -> Any:
        return self.data[:rows].copy()


class _Texts:
    """Texts as category codes: 4 bytes a row plus each distinct text once."""

    def __init__(self, capacity: int) -> None:
        self.codes = np.full(capacity, -1, dtype=np.int32)
        self.index: dict[str, int] = {}

    def set(self, row: int, value: Any) -> None:
        if value is not None and value != "":
            text = _spss_text(value)
            self.codes[row] = self.index.setdefault(text, len(self.index))

    def grow(self, capacity: int) -> None:
        self.codes = np.concatenate([self.codes, np.full(capacity - len(self.codes), -1, dtype=np.int32)])

    def series(self, rows: int) -> Any:
        categories = pd.Index(list(self.index), dtype=object)
        return pd.Categorical.from_codes(self.codes[:rows].copy(), categories=categories)


class _UniqueTexts:
    """Texts that are all different (response ids): a plain list, no category table."""

    def __init__(self, capacity: int) -> None:
        self.values: list[str | None] = [None] * capacity

    def set(self, row: int, value: Any) -> None:
        self.values[row] = _spss_text(value)

    def grow(self, capacity: int) -> None:
        self.values.extend([None] * (capacity - len(self.values)))

    def series(self, rows: int) -> Any:
        values, self.values = self.values[:rows], []
        return pd.Series(values, dtype=object)


class _Dates:
    def __init__(self, capacity: int) -> None:
        self.values: list[Any] = [None] * capacity

    def set(self, row: int, value: Any) -> None:
        self.values[row] = value

    def grow(self, capacity: int) -> None:
        self.values.extend([None] * (capacity - len(self.values)))

    def series(self, rows: int) -> Any:
        values = self.values[:rows]
        parsed = [parse_date(v) for v in values]
        if any(v is not None and p is None for v, p in zip(values, parsed, strict=True)):
            # A stored value that is not a date is kept as text rather than lost.
            return pd.Series([_spss_text(v) for v in values], dtype=object)
        return pd.Series(parsed, dtype=object)


class _Target:
    """One SPSS variable: its column buffer and its metadata."""

    def __init__(self, name: str, label: str, buffer: Any, measure: str, value_labels: dict[int, str] | None = None,
                 numbers: dict[str, int] | None = None, number_format: str | None = None) -> None:
        self.name, self.label, self.buffer, self.measure = name, label, buffer, measure
        self.value_labels = value_labels
        self.numbers = numbers  # option code -> number, for choice variables
        self.number_format = number_format


def _targets(schema: Schema, labels: Labels, value_labels_as_labels: bool) -> tuple[list[_Target], list[list[tuple[int, _Target]]]]:
    """The SPSS variables, and for each question which of its raw values goes to which variable."""
    taken: set[str] = set()

    def name(column: str) -> str:
        return spss_name(column, taken)

    meta = [
        _Target(name("response_id"), labels.word("response_id"), _UniqueTexts(0), "nominal"),
        _Target(name("submitted_at"), labels.word("submitted_at"), _Numbers(0, 2**62), "scale"),
        _Target(name("language"), labels.word("language"), _Texts(0), "nominal"),
    ]
    chosen = {1: labels.word("chosen"), 0: labels.word("not_chosen")}
    routes: list[list[tuple[int, _Target]]] = []
    targets = list(meta)
    for columns in schema.columns:
        route: list[tuple[int, _Target]] = []
        for position, variable in enumerate(columns.variables):
            target = _target_for(variable, schema, labels, value_labels_as_labels, chosen, name)
            if target is not None:
                route.append((position, target))
                targets.append(target)
        routes.append(route)
    yes_no = {1: labels.word("yes"), 0: labels.word("no")}
    targets += [
        _Target(name("questionnaire_version"), labels.word("questionnaire_version"), _Numbers(0, 2**15 - 1),
                "nominal", number_format="F4.0"),
        _Target(name("channel"), labels.word("channel"), _Texts(0), "nominal"),
        _Target(name("interviewer_entered"), labels.word("interviewer_entered"), _Numbers(0), "nominal",
                yes_no, number_format="F1.0"),
    ]
    return targets, routes


def _target_for(variable: Variable, schema: Schema, labels: Labels, as_labels: bool, chosen: dict[int, str],
                name: Any) -> _Target | None:
    label = variable_label(variable, labels)
    if variable.kind is Kind.CHOICES:
        return None  # the 0/1 variables carry it
    if variable.kind is Kind.FLAG:
        return _Target(name(variable.name), label, _Numbers(0), "nominal", dict(chosen), number_format="F1.0")
    if variable.kind is Kind.CHOICE:
        numbers = dict(schema.option_numbers(variable.question.code))
        texts = {option.code: labels.option(option) if as_labels else option.code for option in variable.options}
        value_labels = {number: texts.get(code, code) for code, number in numbers.items()}
        width = max((len(str(n)) for n in numbers.values()), default=1)
        measure = "ordinal" if variable.question.type is QuestionType.SCALE else "nominal"
        largest = max((abs(n) for n in numbers.values()), default=1)
        return _Target(name(variable.name), label, _Numbers(0, largest), measure, value_labels, numbers,
                       f"F{max(width, 1)}.0")
    if variable.kind is Kind.NUMBER:
        decimals = variable.question.decimals and variable.question.type is not QuestionType.YEAR
        return _Target(name(variable.name), label, _Floats(0), "scale", number_format="F8.2" if decimals else "F8.0")
    if variable.kind is Kind.DATE:
        return _Target(name(variable.name), label, _Dates(0), "scale")
    return _Target(name(variable.name), label, _Texts(0), "nominal")


def _grow(targets: Iterable[_Target], capacity: int) -> None:
    for target in targets:
        target.buffer.grow(capacity)


def write_sav(prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
    schema = Schema(prepared.versions)
    targets, routes = _targets(schema, prepared.labels, prepared.request.labels)
    capacity = max(prepared.total, 1)
    _grow(targets, capacity)
    response_id, submitted, language = targets[0], targets[1], targets[2]
    version, channel, interviewer = targets[-3], targets[-2], targets[-1]
    question_routes = list(zip((columns.values for columns in schema.columns), routes, strict=True))
    rows = 0
    for record in prepared.records(progress):
        if rows == capacity:  # responses arrived after counting
            capacity *= 2
            _grow(targets, capacity)
        response_id.buffer.set(rows, record.response_id)
        submitted.buffer.set(rows, (record.submitted_utc - _EPOCH) // dt.timedelta(microseconds=1))
        language.buffer.set(rows, record.language)
        answers = record.answers
        for values_of, route in question_routes:
            values = values_of(answers)
            for position, target in route:
                value = values[position]
                if target.numbers is not None and value is not None:
                    number = target.numbers.get(str(value))
                    if number is None:  # a code no version lists: give it a number, keep it
                        number = max(target.numbers.values(), default=0) + 1
                        target.numbers[str(value)] = number
                        assert target.value_labels is not None
                        target.value_labels[number] = str(value)
                    value = number
                target.buffer.set(rows, value)
        version.buffer.set(rows, record.questionnaire_version)
        channel.buffer.set(rows, record.channel)
        interviewer.buffer.set(rows, 1 if record.interviewer_entered else 0)
        rows += 1
    frame = _frame(targets, rows)
    pyreadstat.write_sav(
        frame, str(path),
        file_label=cut_bytes(neutralize(prepared.labels.text(prepared.versions[0].title)), 64),
        # Labels are questionnaire texts: a program that shows them in a spreadsheet must not run one.
        column_labels={t.name: cut_bytes(neutralize(t.label), MAX_VARIABLE_LABEL_BYTES) for t in targets},
        variable_value_labels={t.name: {n: cut_bytes(neutralize(text), MAX_VALUE_LABEL_BYTES)
                                        for n, text in t.value_labels.items()}
                               for t in targets if t.value_labels},
        variable_measure={t.name: t.measure for t in targets},
        variable_format={t.name: t.number_format for t in targets if t.number_format},
    )
    return rows


def _frame(targets: list[_Target], rows: int) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for position, target in enumerate(targets):
        series = target.buffer.series(rows)
        if position == 1:  # submitted_at: microseconds since 1970, UTC
            series = pd.Series(series.to_numpy(dtype="int64", na_value=0).view("datetime64[us]"))
        columns[target.name] = series
        target.buffer = None  # let the buffer go as soon as the frame owns the data
    return pd.DataFrame(columns, copy=False)
