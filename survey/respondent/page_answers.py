"""Read one posted questionnaire page into typed answers and errors. No Flask: a view passes the
form as a mapping of field name -> list of strings.

Hidden questions (condition false) are neither required nor stored. A question that becomes
visible because of an answer on the same page, but was not on the form the respondent saw, is
reported in ``newly_shown`` so the page can be shown again with it instead of failing it.
Options with a condition (an XLSForm choice_filter) are offered only while it holds; a choice
question that offers none is hidden. A question's ``constraint`` is checked on the answer given.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from survey.questionnaire.model import (
    OTHER_OPTION_CODE,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Section,
)

# Control characters are never part of an answer; line breaks and tabs are kept in long texts.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_OTHER_LENGTH = 200
EMPTY_FORM_VALUES: Mapping[str, list[str]] = {}


@dataclass(frozen=True)
class AnswerError:
    question_code: str
    kind: str  # see survey/respondent/messages.py for every kind and its text
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class PageResult:
    answers: dict[str, Any]
    errors: list[AnswerError]
    newly_shown: list[str]


# Invisible direction marks (LRM, RLM, ALM, embeddings, isolates) that right-to-left keyboards
# and copied text put around numbers: never part of a number or a date.
_DIRECTION_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# Years of the Solar Hijri calendar (Iran, Afghanistan) that a year question may meet:
# 1300 began in March 1921, 1500 begins in March 2121.
SOLAR_HIJRI_YEARS = range(1300, 1501)


def strip_direction_marks(value: str) -> str:
    return _DIRECTION_MARKS.sub("", value)


def normalize_digits(value: str) -> str:
    """Eastern Arabic (٠-٩) and Persian (۰-۹) digits, and any other decimal digits, to 0-9."""
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in value)


def clean_text(value: str, multiline: bool) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    if not multiline:
        value = " ".join(value.split())
    return value.strip()


def section_is_visible(section: Section, answers: Mapping[str, Any]) -> bool:
    return section.condition is None or section.condition.evaluate(answers)


def question_is_visible(question: Question, answers: Mapping[str, Any]) -> bool:
    """Its condition holds, and a question whose options have conditions offers at least one."""
    if question.condition is not None and not question.condition.evaluate(answers):
        return False
    return has_options_to_offer(question, answers)


def has_options_to_offer(question: Question, answers: Mapping[str, Any]) -> bool:
    """False for a question with conditional options none of which holds ("other" aside)."""
    if not question.has_option_conditions:
        return True
    return any(option.condition is None or option.condition.evaluate(answers) for option in question.options)


def with_offered_options(question: Question, answers: Mapping[str, Any]) -> Question:
    """The question as the page shows it: only the options offered for these answers."""
    if not question.has_option_conditions:
        return question
    offered = {option.code for option in offered_options(question, answers)}
    return replace(question, options=tuple(option for option in question.options if option.code in offered))


def offered_options(question: Question, answers: Mapping[str, Any]) -> tuple[Option, ...]:
    """The options (with the generated "other") whose condition holds for these answers."""
    return tuple(
        option for option in question.all_options()
        if option.condition is None or option.condition.evaluate(answers)
    )


def visible_sections(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Section]:
    return [section for section in questionnaire.sections if section_is_visible(section, answers)]


def visible_questions(section: Section, answers: Mapping[str, Any]) -> list[Question]:
    if not section_is_visible(section, answers):
        return []
    return [question for question in section.questions if question_is_visible(question, answers)]


def prune_hidden(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only answers to questions that are visible given the answers before them."""
    kept: dict[str, Any] = {}
    for section in questionnaire.sections:
        if not section_is_visible(section, kept):
            continue
        for question in section.questions:
            if not question.takes_answer or not question_is_visible(question, kept):
                continue
            if question.code in answers:
                value = answers[question.code]
                if question.has_option_conditions:  # an option no longer offered is no longer chosen
                    offered = {option.code for option in offered_options(question, kept)}
                    value = [code for code in value if code in offered] if isinstance(value, list) else value
                    if value in ([], None) or (not isinstance(value, list) and value not in offered):
                        continue
                kept[question.code] = value
                if question.other and question.other_code in answers and _chose_other(value):
                    kept[question.other_code] = answers[question.other_code]
    return kept


def merge_page(
    questionnaire: Questionnaire, section: Section, saved: Mapping[str, Any], posted: Mapping[str, Any]
) -> dict[str, Any]:
    """The saved answers with this page's replaced by what was posted; answers to questions
    that are hidden now are dropped. A separate question coded like ``q_other`` is not the
    "please specify" text of ``q`` unless ``q`` offers "other"."""
    on_page = {q.code for q in section.questions} | {q.other_code for q in section.questions if q.other}
    merged = {key: value for key, value in saved.items() if key not in on_page}
    merged.update(posted)
    return prune_hidden(questionnaire, merged)


def neighbour_section(
    questionnaire: Questionnaire, answers: Mapping[str, Any], section: Section, step: int
) -> Section | None:
    """The visible page ``step`` pages after (or before, when negative) ``section``; None past
    either end. When ``section`` itself is hidden now, the nearest visible one in that direction."""
    sections = visible_sections(questionnaire, answers)
    codes = [s.code for s in sections]
    if section.code in codes:
        index = codes.index(section.code) + step
    else:
        order = [s.code for s in questionnaire.sections]
        position = order.index(section.code)
        later = [s for s in sections if order.index(s.code) > position]
        earlier = [s for s in sections if order.index(s.code) < position]
        return (later[0] if later else None) if step > 0 else (earlier[-1] if earlier else None)
    return sections[index] if 0 <= index < len(sections) else None


def _chose_other(value: Any) -> bool:
    return value == OTHER_OPTION_CODE or (isinstance(value, list) and OTHER_OPTION_CODE in value)


def _first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or []
    return values[0] if values else ""


def _parse_number(question: Question, raw: str) -> tuple[Any, AnswerError | None]:
    text = normalize_digits(strip_direction_marks(raw)).replace(" ", "").replace("\u066b", ".").replace(",", ".")
    text = text.replace("\u2212", "-")
    integer_only = not question.decimals or question.type is QuestionType.YEAR
    pattern = r"-?\d+" if integer_only else r"-?\d+(\.\d+)?"
    if not re.fullmatch(pattern, text) or len(text) > 30:
        kind = "not_a_year" if question.type is QuestionType.YEAR else (
            "not_a_whole_number" if integer_only and re.fullmatch(r"-?\d+(\.\d+)?", text) else "not_a_number"
        )
        return None, AnswerError(question.code, kind)
    number: int | float = int(text) if integer_only else float(text)
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if question.minimum is not None and number < question.minimum:
        if question.type is QuestionType.YEAR and number in SOLAR_HIJRI_YEARS and number + 621 >= question.minimum:
            # A year of the Solar Hijri calendar: its Gregorian years, instead of "at least 1950".
            return None, AnswerError(question.code, "solar_hijri_year",
                                     {"year": str(number), "first": str(number + 621), "second": str(number + 622)})
        return None, AnswerError(question.code, "too_small", {"minimum": _display(question.minimum)})
    if question.maximum is not None and number > question.maximum:
        return None, AnswerError(question.code, "too_large", {"maximum": _display(question.maximum)})
    return number, None


def _display(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _parse_date(question: Question, raw: str) -> tuple[Any, AnswerError | None]:
    text = normalize_digits(strip_direction_marks(raw)).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat(), None
        except ValueError:
            continue
    return None, AnswerError(question.code, "not_a_date")


def read_question(
    question: Question, form: Mapping[str, list[str]], answers: Mapping[str, Any] | None = None
) -> tuple[Any, list[AnswerError]]:
    """The posted value of one question (None when unanswered) and its errors, 'required' aside.
    ``answers``: the answers so far, which decide the options offered (choice filters)."""
    code = question.code
    offered = offered_options(question, answers or {}) if question.has_option_conditions else question.all_options()
    if question.type is QuestionType.MULTIPLE_CHOICE:
        chosen = [value for value in form.get(code, []) if value]
        known = {option.code for option in offered}
        if any(value not in known for value in chosen):
            return None, [AnswerError(code, "invalid_option")]
        # Keep the questionnaire's order and drop repeats, whatever the browser sent.
        ordered = [option.code for option in question.all_options() if option.code in chosen]
        exclusive = [option for option in question.options if option.exclusive and option.code in ordered]
        if exclusive and len(ordered) > 1:
            return None, [AnswerError(code, "exclusive", {"option": exclusive[0].code})]
        return (ordered or None), []
    if question.is_choice:
        values = [value for value in form.get(code, []) if value]
        if not values:
            return None, []
        if len(values) > 1 or values[0] not in {option.code for option in offered}:
            return None, [AnswerError(code, "invalid_option")]
        return values[0], []
    raw = _first(form, code)
    if question.type in (QuestionType.TEXT, QuestionType.LONG_TEXT):
        text = clean_text(raw, multiline=question.type is QuestionType.LONG_TEXT)
        if question.max_length is not None and len(text) > question.max_length:
            return None, [AnswerError(code, "too_long", {"maximum": question.max_length, "length": len(text)})]
        return (text or None), []
    if not raw.strip():
        return None, []
    if question.type in (QuestionType.NUMBER, QuestionType.YEAR):
        value, error = _parse_number(question, raw)
    elif question.type is QuestionType.DATE:
        value, error = _parse_date(question, raw)
    else:
        return None, []
    return value, [error] if error else []


def read_page(
    questionnaire: Questionnaire,
    section: Section,
    form: Mapping[str, list[str]],
    previous_answers: Mapping[str, Any],
    shown: Iterable[str] | None = None,
    enforce_required: bool = True,
) -> PageResult:
    """Parse and validate the posted page ``section``.

    ``previous_answers`` are the saved answers (of all pages); ``shown`` the question codes that
    were on the form (None: all visible ones).
    """
    on_page = {question.code for question in section.questions}
    on_page |= {question.other_code for question in section.questions if question.other}
    working = {key: value for key, value in previous_answers.items() if key not in on_page}
    shown_set = set(shown) if shown is not None else None
    answers: dict[str, Any] = {}
    errors: list[AnswerError] = []
    newly_shown: list[str] = []
    if not section_is_visible(section, working):
        return PageResult({}, [], [])
    for question in section.questions:
        if not question.takes_answer or not question_is_visible(question, working):
            continue
        if shown_set is not None and question.code not in shown_set:
            newly_shown.append(question.code)
            continue
        value, question_errors = read_question(question, form, working)
        if (not question_errors and value is not None and question.constraint is not None
                and not question.constraint.evaluate({**working, question.code: value})):
            question_errors = [AnswerError(question.code, "constraint", {"message": question.constraint_message})]
        errors.extend(question_errors)
        if question_errors:
            continue
        if value is None:
            if enforce_required and question.required:
                errors.append(AnswerError(question.code, "required", {"multiple": question.type is QuestionType.MULTIPLE_CHOICE}))
            continue
        answers[question.code] = value
        working[question.code] = value
        if question.other and _chose_other(value):
            other_text = clean_text(_first(form, question.other_code), multiline=False)
            if len(other_text) > MAX_OTHER_LENGTH:
                errors.append(AnswerError(question.code, "too_long", {"maximum": MAX_OTHER_LENGTH, "length": len(other_text)}))
            elif other_text:
                answers[question.other_code] = other_text
            elif enforce_required:
                errors.append(AnswerError(question.code, "other_missing"))
    return PageResult(answers, errors, newly_shown)


def missing_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[Section, list[AnswerError]] | None:
    """The first visible section with an unanswered required question, for a last check before
    submission (a respondent may have skipped pages by editing the address)."""
    for section in visible_sections(questionnaire, answers):
        errors = [
            AnswerError(question.code, "required", {"multiple": question.type is QuestionType.MULTIPLE_CHOICE})
            for question in visible_questions(section, answers)
            if question.required and answers.get(question.code) in (None, "", [])
        ]
        if errors:
            return section, errors
    return None
