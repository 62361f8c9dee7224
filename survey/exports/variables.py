"""The variables of an export: which columns a questionnaire gives, across all its versions.

Codes are stable across versions, so every question appears once, in the order of the newest
version (questions only older versions asked follow). A choice question's options are those of
every version: an option a later version dropped keeps its column, so no stored answer is lost.

Column names are the CSV's: ``help_areas`` (multiple choice: the chosen codes, space-separated),
``help_areas/language`` (1 chosen, 0 not chosen, empty not asked), ``help_areas_other`` (the
"please specify" text). The SPSS writer renames them to valid SPSS names.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from survey.questionnaire.model import Option, Question, Questionnaire, QuestionType, Section

META_COLUMNS = ("response_id", "submitted_at", "language")
TRAILING_COLUMNS = ("questionnaire_version", "channel", "interviewer_entered")


class Kind(StrEnum):
    CHOICE = "choice"  # single choice, yes/no, scale, district: one option code
    CHOICES = "choices"  # multiple choice: the chosen codes
    FLAG = "flag"  # one option of a multiple choice: 1 chosen, 0 not chosen, None not asked
    OTHER = "other"  # the "please specify" text of a question with an "other" option
    NUMBER = "number"  # number, year
    DATE = "date"  # ISO date string in the answers
    TEXT = "text"  # text, long text


_KINDS = {
    QuestionType.MULTIPLE_CHOICE: Kind.CHOICES,
    QuestionType.NUMBER: Kind.NUMBER,
    QuestionType.YEAR: Kind.NUMBER,
    QuestionType.DATE: Kind.DATE,
    QuestionType.TEXT: Kind.TEXT,
    QuestionType.LONG_TEXT: Kind.TEXT,
}


@dataclass(frozen=True)
class Variable:
    name: str
    kind: Kind
    question: Question
    section: Section
    option: Option | None = None  # FLAG: the option it stands for
    options: tuple[Option, ...] = ()  # CHOICE, CHOICES: the options of every version


@dataclass(frozen=True)
class QuestionColumns:
    """A question's variables and a function giving all their raw values from one response."""

    question: Question
    section: Section
    variables: tuple[Variable, ...]
    values: Callable[[Mapping[str, Any]], list[Any]]


def _values_function(question: Question, options: tuple[Option, ...]) -> Callable[[Mapping[str, Any]], list[Any]]:
    # One function per question (not per column): a multiple choice reads its answer once for
    # all its 0/1 columns, which matters at a million rows.
    code, other_code = question.code, question.other_code
    if question.type is QuestionType.MULTIPLE_CHOICE:
        option_codes = [option.code for option in options]
        if question.other:
            def multiple_with_other(answers: Mapping[str, Any]) -> list[Any]:
                value = answers.get(code)
                if value is None:
                    return [None] * (len(option_codes) + 1) + [answers.get(other_code)]
                chosen = set(value)
                return [value, *(1 if c in chosen else 0 for c in option_codes), answers.get(other_code)]
            return multiple_with_other

        def multiple(answers: Mapping[str, Any]) -> list[Any]:
            value = answers.get(code)
            if value is None:
                return [None] * (len(option_codes) + 1)
            chosen = set(value)
            return [value, *(1 if c in chosen else 0 for c in option_codes)]
        return multiple
    if question.other:
        return lambda answers: [answers.get(code), answers.get(other_code)]
    return lambda answers: [answers.get(code)]


@dataclass
class Schema:
    """Every variable of the given versions (newest first)."""

    versions: Sequence[Questionnaire]
    columns: list[QuestionColumns] = field(init=False)
    _numbers: dict[str, dict[str, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("no questionnaire version")
        self._numbers = {}
        self.columns = []
        seen: set[str] = set()
        for questionnaire in self.versions:
            for section in questionnaire.sections:
                for question in section.questions:
                    if question.takes_answer and question.code not in seen:
                        seen.add(question.code)
                        self.columns.append(self._question_columns(question, section))

    def _merged_options(self, code: str) -> tuple[Option, ...]:
        merged: dict[str, Option] = {}
        for questionnaire in self.versions:  # newest first: its order and its labels win
            if questionnaire.has_question(code):
                for option in questionnaire.question(code).all_options():
                    merged.setdefault(option.code, option)
        return tuple(merged.values())

    def _question_columns(self, question: Question, section: Section) -> QuestionColumns:
        options = self._merged_options(question.code) if question.is_choice else ()
        variables: list[Variable] = []
        if question.type is QuestionType.MULTIPLE_CHOICE:
            variables.append(Variable(question.code, Kind.CHOICES, question, section, options=options))
            variables += [Variable(f"{question.code}/{option.code}", Kind.FLAG, question, section, option=option)
                          for option in options]
        elif question.is_choice:
            variables.append(Variable(question.code, Kind.CHOICE, question, section, options=options))
        else:
            variables.append(Variable(question.code, _KINDS.get(question.type, Kind.TEXT), question, section))
        if question.other:
            variables.append(Variable(question.other_code, Kind.OTHER, question, section))
        return QuestionColumns(question, section, tuple(variables), _values_function(question, options))

    @property
    def variables(self) -> list[Variable]:
        return [variable for columns in self.columns for variable in columns.variables]

    def header(self) -> list[str]:
        return [*META_COLUMNS, *(variable.name for variable in self.variables), *TRAILING_COLUMNS]

    def option_numbers(self, code: str) -> dict[str, int]:
        """Numbers for the options of a choice question, for SPSS: the codes themselves when
        all are whole numbers (a scale); yes 1 and no 0 for yes/no; otherwise 1, 2, ... in the
        order the options first appeared, oldest version first, so a later version that only
        adds or reorders options keeps the numbers of earlier exports."""
        if code in self._numbers:
            return self._numbers[code]
        order: dict[str, None] = {}
        for questionnaire in reversed(self.versions):
            if questionnaire.has_question(code):
                for option in questionnaire.question(code).all_options():
                    order.setdefault(option.code)
        codes = list(order)
        if all(_is_integer(c) for c in codes):
            numbers = {c: int(c) for c in codes}
        elif set(codes) == {"yes", "no"}:
            numbers = {"yes": 1, "no": 0}
        else:
            numbers = {c: position for position, c in enumerate(codes, start=1)}
        self._numbers[code] = numbers
        return numbers


def _is_integer(text: str) -> bool:
    return text.lstrip("-").isdigit() and len(text) < 10


def parse_date(value: Any) -> dt.date | None:
    """A stored date answer (ISO text) as a date; None when empty or unreadable."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
