"""Stored responses as a pandas DataFrame for analysis: one row per response.

Columns:

- ``meta:language``, ``meta:channel``, ``meta:district`` (categoricals), ``meta:version`` (int),
  ``meta:submitted_on`` (the UTC day, datetime64);
- a closed question with one answer (single choice, yes/no, scale, district) under its code, as a
  categorical of option codes (missing: not answered);
- a multiple choice question under its code as a boolean "answered", plus one boolean column
  ``<code>/<option>`` per option (chosen or not);
- ``need:<field>`` (boolean) per integration field whose section declares when a respondent needs
  help there (``Section.need``, evaluated with the version the response answered).

Responses are read in batches and each batch becomes small numpy arrays of category codes, so a
million rows with a hundred questions stay at a few hundred megabytes and no list of Python
objects grows with the number of responses. Open questions (text, numbers, dates) are left out:
they are not aggregated.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from survey.questionnaire.model import Option, Question, Questionnaire, QuestionType
from survey.store.responses import iter_responses, load_versions

BATCH_SIZE = 20_000
META_LANGUAGE = "meta:language"
META_CHANNEL = "meta:channel"
META_VERSION = "meta:version"
META_SUBMITTED = "meta:submitted_on"
META_DISTRICT = "meta:district"
NEED_PREFIX = "need:"


def need_column(field: str) -> str:
    return NEED_PREFIX + field


def option_column(question_code: str, option_code: str) -> str:
    return f"{question_code}/{option_code}"


@dataclass(frozen=True)
class ClosedQuestion:
    """A closed question across versions: the newest version's question, with the options of
    every version (an option a later version dropped keeps its answers)."""

    question: Question
    options: tuple[Option, ...]

    @property
    def multiple(self) -> bool:
        return self.question.type is QuestionType.MULTIPLE_CHOICE


def closed_questions(versions: Sequence[Questionnaire]) -> list[ClosedQuestion]:
    """Closed questions of the given versions (newest first), in the newest version's order."""
    found: dict[str, Question] = {}
    options: dict[str, dict[str, Option]] = {}
    for questionnaire in versions:
        for question in questionnaire.questions():
            if not question.is_choice:
                continue
            found.setdefault(question.code, question)
            merged = options.setdefault(question.code, {})
            for option in question.all_options():
                merged.setdefault(option.code, option)
    return [ClosedQuestion(question, tuple(options[code].values())) for code, question in found.items()]


def need_fields(versions: Sequence[Questionnaire]) -> list[str]:
    fields: dict[str, None] = {}
    for questionnaire in versions:
        for section in questionnaire.need_sections():
            fields.setdefault(str(section.field))
    return list(fields)


def iter_rows(session: Session, slug: str) -> Iterator[tuple[int, str, str, dt.datetime, Mapping[str, Any]]]:
    """(version number, language, channel, submitted_at, answers) of every submitted response of
    ``slug`` in submission order, as ``build_frame`` takes them. Raises UnknownQuestionnaire."""
    for record in iter_responses(session, slug):
        yield record.questionnaire_version, record.language, record.channel, record.submitted_at, record.answers


class _Coded:
    """A categorical column built batch by batch from integer codes (-1: missing)."""

    def __init__(self, categories: Iterable[str]) -> None:
        self.categories: dict[str, int] = {code: i for i, code in enumerate(categories)}
        self.parts: list[np.ndarray] = []

    def code(self, value: Any) -> int:
        if value is None:
            return -1
        value = str(value)
        index = self.categories.get(value)
        if index is None:  # a value no option declares (e.g. a language added later): keep it
            index = self.categories[value] = len(self.categories)
        return index

    def add(self, values: list[Any]) -> None:
        code = self.code
        self.parts.append(np.fromiter((code(v) for v in values), dtype=np.int32, count=len(values)))

    def build(self) -> pd.Categorical:
        codes = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=np.int32)
        categories = list(self.categories)
        dtype = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32_000 else np.int32
        return pd.Categorical.from_codes(codes.astype(dtype), categories=categories)


def build_frame(rows: Iterable[tuple[int, str, str, dt.datetime, Mapping[str, Any]]],
                versions: Mapping[int, Questionnaire], batch_size: int = BATCH_SIZE) -> pd.DataFrame:
    """The analysis frame of ``rows`` (see ``iter_rows``) answering ``versions`` (number -> model,
    newest first)."""
    models = list(versions.values())
    questions = closed_questions(models)
    fields = need_fields(models)
    district_codes = [q.question.code for q in questions if q.question.type is QuestionType.DISTRICT]
    district_options = [o.code for q in questions if q.question.type is QuestionType.DISTRICT for o in q.options]
    language_codes = list(dict.fromkeys(code for model in models for code in model.language_codes))

    language, channel, district = _Coded(language_codes), _Coded([]), _Coded(district_options)
    single = {q.question.code: _Coded(o.code for o in q.options) for q in questions if not q.multiple}
    multiple = {q.question.code: [o.code for o in q.options] for q in questions if q.multiple}
    bool_parts: dict[str, list[np.ndarray]] = {}
    for code, option_codes in multiple.items():
        bool_parts[code] = []
        for option in option_codes:
            bool_parts[option_column(code, option)] = []
    for field in fields:
        bool_parts[need_column(field)] = []
    version_parts: list[np.ndarray] = []
    day_parts: list[np.ndarray] = []

    def flush(batch: list[tuple[int, str, str, dt.datetime, Mapping[str, Any]]]) -> None:
        answers = [row[4] for row in batch]
        version_parts.append(np.fromiter((row[0] for row in batch), dtype=np.int32, count=len(batch)))
        language.add([row[1] for row in batch])
        channel.add([row[2] for row in batch])
        day_parts.append(np.array([row[3].date() for row in batch], dtype="datetime64[D]"))
        district.add([next((a[c] for c in district_codes if a.get(c) is not None), None) for a in answers])
        for code, column in single.items():
            column.add([a.get(code) for a in answers])
        for code, option_codes in multiple.items():
            chosen = [a.get(code) for a in answers]
            bool_parts[code].append(np.fromiter((v is not None for v in chosen), dtype=bool, count=len(batch)))
            sets = [set(v) if v else () for v in chosen]
            for option in option_codes:
                bool_parts[option_column(code, option)].append(
                    np.fromiter((option in s for s in sets), dtype=bool, count=len(batch)))
        # Needs are judged with the version each response answered.
        needed = [versions[row[0]].needs_of(row[4]) if row[0] in versions else () for row in batch]
        for field in fields:
            bool_parts[need_column(field)].append(
                np.fromiter((field in found for found in needed), dtype=bool, count=len(batch)))

    batch: list[tuple[int, str, str, dt.datetime, Mapping[str, Any]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            flush(batch)
            batch = []
    if batch:
        flush(batch)

    def joined(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    data: dict[str, Any] = {
        META_LANGUAGE: language.build(),
        META_CHANNEL: channel.build(),
        META_VERSION: joined(version_parts, np.int32),
        META_SUBMITTED: joined(day_parts, "datetime64[D]").astype("datetime64[s]"),
        META_DISTRICT: district.build(),
    }
    for code, column in single.items():
        data[code] = column.build()
    for name, parts in bool_parts.items():
        data[name] = joined(parts, bool)
    return pd.DataFrame(data, copy=False)


def response_frame(session: Session, slug: str) -> pd.DataFrame:
    """The analysis frame of every submitted response of the questionnaire ``slug``."""
    versions = load_versions(session, slug)
    return build_frame(iter_rows(session, slug), versions)
