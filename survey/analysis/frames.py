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
import gc
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from survey.questionnaire.conditions.expression import Binary, Condition, Node, Unary
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


def frame_signature(versions: Mapping[int, Questionnaire]) -> str:
    """What of ``versions`` a frame's columns and values depend on: the closed questions (code,
    type, options of every version), the integration fields, the languages, and per version
    number its needs and district questions. Texts are not in it: editing a draft's labels or
    translations keeps a frame kept on disk (survey.analysis.frame_cache) valid."""
    models = list(versions.values())
    signature = {
        "questions": [[q.question.code, q.question.type.value, [o.code for o in q.options]] for q in closed_questions(models)],
        "fields": need_fields(models),
        "languages": list(dict.fromkeys(code for model in models for code in model.language_codes)),
        "versions": [[number, [[str(s.field), s.need.source if s.need else None] for s in model.need_sections()],
                      [q.code for q in model.questions() if q.type is QuestionType.DISTRICT]]
                     for number, model in versions.items()],
    }
    return hashlib.sha256(json.dumps(signature, sort_keys=True).encode()).hexdigest()


def iter_rows(session: Session, slug: str) -> Iterator[tuple[int, str, str, dt.datetime, Mapping[str, Any]]]:
    """(version number, language, channel, submitted_at, answers) of every submitted response of
    ``slug`` in submission order, as ``build_frame`` takes them. Raises UnknownQuestionnaire."""
    for record in iter_responses(session, slug):
        yield record.questionnaire_version, record.language, record.channel, record.submitted_at, record.answers


def _exact_keys(values: list[Any], lists: bool = False) -> tuple[np.ndarray, list[Any]] | None:
    """``values`` (answers as JSON gives them: strings, lists of strings, None) as integer keys
    (-1: None) and the distinct values in order of first appearance, hashed in C by pandas.
    None when a value is of another kind: pandas would take 1, 1.0 and True for one value and
    NaN for a missing one, so the caller then goes value by value, as before. ``lists``: the
    values are expected to be lists (a multiple choice's)."""
    try:  # single answers (strings) as they are; lists of answers as tuples
        if lists:
            raise TypeError
        keys, uniques = pd.factorize(np.array(values + [None], dtype=object)[:-1], use_na_sentinel=True)
    except TypeError:
        hashable = [tuple(v) if v.__class__ is list else v for v in values]
        try:
            keys, uniques = pd.factorize(np.array(hashable + [None], dtype=object)[:-1], use_na_sentinel=True)
        except TypeError:  # something unhashable (a mapping)
            return None
    distinct = list(uniques)
    for value in distinct:
        if value.__class__ is tuple:
            if not all(item.__class__ is str for item in value):
                return None
        elif value.__class__ is not str:
            return None
    if int(np.count_nonzero(keys < 0)) != values.count(None):  # NaN taken for missing
        return None
    originals = [list(v) if v.__class__ is tuple else v for v in distinct]
    return keys.astype(np.int64, copy=False), originals


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

    def add(self, values: list[Any], keyed: tuple[np.ndarray, list[Any]] | None = None) -> None:
        """``keyed``: ``_exact_keys(values)``, when already made."""
        keyed = keyed if keyed is not None else _exact_keys(values)
        if keyed is None or any(v.__class__ is not str for v in keyed[1]):
            code = self.code
            self.parts.append(np.fromiter((code(v) for v in values), dtype=np.int32, count=len(values)))
            return
        keys, distinct = keyed
        # Distinct values in order of first appearance: new categories come in the same order
        # as value by value.
        lookup = np.array([self.code(v) for v in distinct] + [-1], dtype=np.int32)
        self.parts.append(lookup[keys])

    def build(self) -> pd.Categorical:
        codes = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=np.int32)
        categories = list(self.categories)
        dtype = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32_000 else np.int32
        return pd.Categorical.from_codes(codes.astype(dtype), categories=categories)

    def state(self) -> tuple[list[str], np.ndarray]:
        codes = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=np.int32)
        self.parts = [codes]
        return list(self.categories), codes

    def restore(self, categories: list[str], codes: np.ndarray) -> None:
        self.categories = {code: i for i, code in enumerate(categories)}
        self.parts = [codes.astype(np.int32, copy=False)]


Row = tuple[int, str, str, dt.datetime, Mapping[str, Any]]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Reading answers makes millions of small objects that all stay alive until the batch is
    done: the cyclic collector would scan them again and again (half the time of a build).
    Reference counting still frees everything; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _boolean_parts(node: Node) -> Iterator[Node]:
    """The parts of a condition that and/or/not combine (each evaluated on its own)."""
    if isinstance(node, Binary) and node.op in ("and", "or"):
        yield from _boolean_parts(node.left)
        yield from _boolean_parts(node.right)
    elif isinstance(node, Unary) and node.op == "not":
        yield from _boolean_parts(node.operand)
    else:
        yield node


def _combine(node: Node, parts: Mapping[int, np.ndarray]) -> np.ndarray:
    if isinstance(node, Binary) and node.op in ("and", "or"):
        left, right = _combine(node.left, parts), _combine(node.right, parts)
        return left & right if node.op == "and" else left | right
    if isinstance(node, Unary) and node.op == "not":
        return ~_combine(node.operand, parts)
    return parts[id(node)]


class _Batch:
    """One batch of answers, with each question's answers and their exact keys made once."""

    def __init__(self, answers: list[Mapping[str, Any]]) -> None:
        self.answers = answers
        self._values: dict[str, list[Any]] = {}
        self._keys: dict[str, tuple[np.ndarray, list[Any]] | None] = {}

    def values(self, code: str) -> list[Any]:
        found = self._values.get(code)
        if found is None:
            found = self._values[code] = [a.get(code) for a in self.answers]
        return found

    def keys(self, code: str, lists: bool = False) -> tuple[np.ndarray, list[Any]] | None:
        if code not in self._keys:
            self._keys[code] = _exact_keys(self.values(code), lists)
        return self._keys[code]

    def holds(self, condition: Condition, rows: np.ndarray) -> np.ndarray:
        """``condition.evaluate`` of the answers at ``rows`` (indexes into the batch), each part
        of it evaluated once per distinct combination of the answers it names; value by value
        when an answer is of a kind the keys do not take exactly."""
        parts: dict[int, np.ndarray] = {}
        for part in _boolean_parts(condition.tree):
            names = list(dict.fromkeys(n.code for n in Condition("", part).names()))
            keyed = [self.keys(name) for name in names]
            piece = Condition(condition.source, part)
            if any(k is None for k in keyed):
                answers = self.answers
                parts[id(part)] = np.fromiter((piece.evaluate(answers[i]) for i in rows), dtype=bool, count=len(rows))
                continue
            if not names:
                parts[id(part)] = np.full(len(rows), piece.evaluate({}), dtype=bool)
                continue
            known = [k for k in keyed if k is not None]
            if len(known) == 1:  # one answer named: evaluated once per distinct answer and for none
                keys, distinct = known[0]
                table = np.array([piece.evaluate({names[0]: value}) for value in distinct]
                                 + [piece.evaluate({})], dtype=bool)
                parts[id(part)] = table[keys[rows]]
                continue
            # Several: each combination of their distinct answers that occurs, as one number.
            if math.prod(len(k[1]) + 1 for k in known) >= 2**62:  # too many to number: one by one
                answers = self.answers
                parts[id(part)] = np.fromiter((piece.evaluate(answers[i]) for i in rows), dtype=bool, count=len(rows))
                continue
            combined = np.zeros(len(rows), dtype=np.int64)
            for keys, distinct in known:
                combined = combined * (len(distinct) + 1) + (keys[rows] + 1)
            combos, first = np.unique(combined, return_index=True)
            results = np.empty(len(combos), dtype=bool)
            for i, row in enumerate(first.tolist()):
                given = {name: k[1][k[0][rows[row]]] for name, k in zip(names, known, strict=True)
                         if k[0][rows[row]] >= 0}
                results[i] = piece.evaluate(given)
            parts[id(part)] = results[np.searchsorted(combos, combined)]
        return _combine(condition.tree, parts)


class FrameBuilder:
    """The analysis frame of ``versions`` (number -> model, newest first), fed rows (see
    ``iter_rows``) in submission order, in as many calls as wanted: a frame built from all rows
    at once and one fed the same rows in two parts are the same. ``state``/``restore`` give the
    columns as plain arrays and lists, to keep on disk and go on from (survey.analysis.frame_cache)."""

    def __init__(self, versions: Mapping[int, Questionnaire], batch_size: int = BATCH_SIZE) -> None:
        self.versions = versions
        self.batch_size = batch_size
        models = list(versions.values())
        questions = closed_questions(models)
        self.fields = need_fields(models)
        self.district_codes = [q.question.code for q in questions if q.question.type is QuestionType.DISTRICT]
        district_options = [o.code for q in questions if q.question.type is QuestionType.DISTRICT for o in q.options]
        language_codes = list(dict.fromkeys(code for model in models for code in model.language_codes))
        # Whether the district column says exactly what each response's own version reads as
        # its district (Questionnaire.district_of: a non-empty string), so the gap matrix may
        # count from the frame (survey.analysis.gap_source): one district question in every
        # version (or none in any) and only strings answered to it.
        per_version = {tuple(q.code for q in model.questions() if q.type is QuestionType.DISTRICT) for model in models}
        self.plain_district = len(per_version) <= 1 and all(len(codes) <= 1 for codes in per_version)
        self.coded: dict[str, _Coded] = {
            META_LANGUAGE: _Coded(language_codes), META_CHANNEL: _Coded([]), META_DISTRICT: _Coded(district_options)}
        self.single = [q.question.code for q in questions if not q.multiple]
        for q in questions:
            if not q.multiple:
                self.coded[q.question.code] = _Coded(o.code for o in q.options)
        self.multiple = {q.question.code: [o.code for o in q.options] for q in questions if q.multiple}
        self.bool_parts: dict[str, list[np.ndarray]] = {}
        for code, option_codes in self.multiple.items():
            self.bool_parts[code] = []
            for option in option_codes:
                self.bool_parts[option_column(code, option)] = []
        for name in self.fields:
            self.bool_parts[need_column(name)] = []
        self.version_parts: list[np.ndarray] = []
        self.day_parts: list[np.ndarray] = []

    def add(self, rows: Iterable[Row]) -> None:
        with _no_cyclic_gc():
            batch: list[Row] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= self.batch_size:
                    self._flush(batch)
                    batch = []
            if batch:
                self._flush(batch)

    def _flush(self, batch: list[Row]) -> None:
        count = len(batch)
        answers = [row[4] for row in batch]
        values = _Batch(answers)
        numbers = np.fromiter((row[0] for row in batch), dtype=np.int32, count=count)
        self.version_parts.append(numbers)
        self.coded[META_LANGUAGE].add([row[1] for row in batch])
        self.coded[META_CHANNEL].add([row[2] for row in batch])
        self.day_parts.append(np.array([row[3].date() for row in batch], dtype="datetime64[D]"))
        if len(self.district_codes) == 1:
            code = self.district_codes[0]
            keyed = values.keys(code)
            if keyed is None or any(value.__class__ is not str for value in keyed[1]):
                self.plain_district = False
            self.coded[META_DISTRICT].add(values.values(code), keyed)
        else:
            self.coded[META_DISTRICT].add(
                [next((a[c] for c in self.district_codes if a.get(c) is not None), None) for a in answers])
        for code in self.single:
            self.coded[code].add(values.values(code), values.keys(code))
        for code, option_codes in self.multiple.items():
            self._add_multiple(code, option_codes, values)
        self._add_needs(batch, numbers, values)

    def _add_multiple(self, code: str, option_codes: list[str], values: _Batch) -> None:
        chosen = values.values(code)
        keyed = values.keys(code, lists=True)
        if keyed is None:
            count = len(chosen)
            self.bool_parts[code].append(np.fromiter((v is not None for v in chosen), dtype=bool, count=count))
            sets = [set(v) if v else () for v in chosen]
            for option in option_codes:
                self.bool_parts[option_column(code, option)].append(
                    np.fromiter((option in s for s in sets), dtype=bool, count=count))
            return
        keys, distinct = keyed
        self.bool_parts[code].append(keys >= 0)
        distinct_sets = [set(v) if v else () for v in distinct]
        for option in option_codes:
            table = np.array([option in s for s in distinct_sets] + [False], dtype=bool)
            self.bool_parts[option_column(code, option)].append(table[keys])

    def _add_needs(self, batch: list[Row], numbers: np.ndarray, values: _Batch) -> None:
        # Needs are judged with the version each response answered: a field counts when any of
        # its sections' needs holds (Questionnaire.needs_of).
        needed = {name: np.zeros(len(batch), dtype=bool) for name in self.fields}
        for number in np.unique(numbers).tolist():
            model = self.versions.get(number)
            if model is None:
                continue
            rows = np.flatnonzero(numbers == number)
            for section in model.need_sections():
                assert section.need is not None and section.field is not None
                if section.field in needed:
                    needed[section.field][rows] |= values.holds(section.need, rows)
        for name in self.fields:
            self.bool_parts[need_column(name)].append(needed[name])

    def frame(self) -> pd.DataFrame:
        data: dict[str, Any] = {
            META_LANGUAGE: self.coded[META_LANGUAGE].build(),
            META_CHANNEL: self.coded[META_CHANNEL].build(),
            META_VERSION: _joined(self.version_parts, np.int32),
            META_SUBMITTED: _joined(self.day_parts, "datetime64[D]").astype("datetime64[s]"),
            META_DISTRICT: self.coded[META_DISTRICT].build(),
        }
        for code in self.single:
            data[code] = self.coded[code].build()
        for name, parts in self.bool_parts.items():
            data[name] = _joined(parts, bool)
        frame = pd.DataFrame(data, copy=False)
        frame.attrs["plain_district"] = self.plain_district
        return frame

    def state(self) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
        """(categories of each coded column, every column's array): enough to ``restore``."""
        categories: dict[str, list[str]] = {}
        arrays: dict[str, np.ndarray] = {}
        for name, coded in self.coded.items():
            categories[name], arrays["coded:" + name] = coded.state()
        for name, parts in self.bool_parts.items():
            arrays["bool:" + name] = _joined(parts, bool)
            self.bool_parts[name] = [arrays["bool:" + name]]
        arrays["version"] = _joined(self.version_parts, np.int32)
        arrays["day"] = _joined(self.day_parts, "datetime64[D]")
        self.version_parts, self.day_parts = [arrays["version"]], [arrays["day"]]
        return categories, arrays

    def restore(self, categories: Mapping[str, list[str]], arrays: Mapping[str, np.ndarray]) -> bool:
        """Go on from a ``state`` of a builder of the same versions; False (nothing changed)
        when it does not fit this builder's columns."""
        wanted = {"coded:" + n for n in self.coded} | {"bool:" + n for n in self.bool_parts} | {"version", "day"}
        if set(arrays) != wanted or set(categories) != set(self.coded):
            return False
        length = len(arrays["version"])
        if any(len(a) != length for a in arrays.values()):
            return False
        for name, coded in self.coded.items():
            coded.restore(list(categories[name]), arrays["coded:" + name])
        for name in self.bool_parts:
            self.bool_parts[name] = [arrays["bool:" + name].astype(bool, copy=False)]
        self.version_parts = [arrays["version"].astype(np.int32, copy=False)]
        self.day_parts = [arrays["day"].astype("datetime64[D]", copy=False)]
        return True


def _joined(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def build_frame(rows: Iterable[Row], versions: Mapping[int, Questionnaire], batch_size: int = BATCH_SIZE) -> pd.DataFrame:
    """The analysis frame of ``rows`` (see ``iter_rows``) answering ``versions`` (number -> model,
    newest first)."""
    builder = FrameBuilder(versions, batch_size)
    builder.add(rows)
    return builder.frame()


def response_frame(session: Session, slug: str) -> pd.DataFrame:
    """The analysis frame of every submitted response of the questionnaire ``slug``."""
    versions = load_versions(session, slug)
    return build_frame(iter_rows(session, slug), versions)
