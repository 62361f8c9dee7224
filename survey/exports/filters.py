"""Which responses an export contains: submission dates, languages, districts, channels, versions.

Every format takes the same ``ExportFilter``; ``survey.exports.source`` turns it into the WHERE
clause of the one query that reads the responses (the district too: it is the answer to the
questionnaire's question of type ``district``, read with SQLAlchemy's JSON index, which works on
SQLite and PostgreSQL alike). Dates are days in UTC, like the exported ``submitted_at``.

Bad input raises ``FilterError`` with a ``kind`` the staff view translates and an English text
for the command line; nothing is silently dropped.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from survey.questionnaire.model import Questionnaire


class FilterError(ValueError):
    """A filter value that cannot be used; ``field`` names the form field, ``kind`` the problem."""

    def __init__(self, field_name: str, kind: str, value: str = "") -> None:
        self.field = field_name
        self.kind = kind
        self.value = value
        super().__init__(self._english())

    def _english(self) -> str:
        texts = {
            "bad_date": f"'{self.value}' is not a date; write it as YYYY-MM-DD",
            "date_order": "the start date is after the end date",
            "bad_version": f"'{self.value}' is not a version number of this questionnaire",
            "unknown_language": f"'{self.value}' is not a language of this questionnaire",
            "unknown_district": f"'{self.value}' is not a district of this questionnaire",
            "no_district_question": "this questionnaire asks for no district",
            "bad_channel": f"'{self.value}' is not a channel code (letters, digits, - and _)",
        }
        return f"{self.field}: {texts.get(self.kind, self.kind)}"


@dataclass(frozen=True)
class ExportFilter:
    """Empty fields mean "all"; several values in one field mean "any of them"."""

    date_from: dt.date | None = None  # inclusive, UTC day
    date_to: dt.date | None = None  # inclusive, UTC day
    languages: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    versions: tuple[int, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == ExportFilter()

    def start(self) -> dt.datetime | None:
        if self.date_from is None:
            return None
        return dt.datetime.combine(self.date_from, dt.time(), tzinfo=dt.timezone.utc)

    def end_before(self) -> dt.datetime | None:
        """The first moment no longer included (midnight after ``date_to``)."""
        if self.date_to is None:
            return None
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)

    def to_options(self) -> dict[str, Any]:
        """A JSON-safe form (for ExportJob.options and the audit log); empty fields left out."""
        data: dict[str, Any] = {}
        if self.date_from:
            data["date_from"] = self.date_from.isoformat()
        if self.date_to:
            data["date_to"] = self.date_to.isoformat()
        for name in ("languages", "districts", "channels", "versions"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        return data

    @classmethod
    def from_options(cls, data: Mapping[str, Any] | None) -> "ExportFilter":
        data = data or {}
        return parse_filter(
            date_from=data.get("date_from") or "",
            date_to=data.get("date_to") or "",
            languages=data.get("languages") or (),
            districts=data.get("districts") or (),
            channels=data.get("channels") or (),
            versions=[str(v) for v in data.get("versions") or ()],
        )


def _date(field_name: str, text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FilterError(field_name, "bad_date", text) from None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value.strip() for value in values if value and value.strip()))


def parse_filter(
    date_from: str = "",
    date_to: str = "",
    languages: Iterable[str] = (),
    districts: Iterable[str] = (),
    channels: Iterable[str] = (),
    versions: Iterable[str] = (),
) -> ExportFilter:
    """A filter from text input (a form or the command line); checks only the form of values."""
    start, end = _date("date_from", date_from), _date("date_to", date_to)
    if start and end and start > end:
        raise FilterError("date_to", "date_order")
    numbers: list[int] = []
    for text in _unique(versions):
        if not text.isdigit() or int(text) < 1:
            raise FilterError("versions", "bad_version", text)
        numbers.append(int(text))
    channel_codes = _unique(channels)
    for code in channel_codes:
        if len(code) > 16 or not all(char.isascii() and (char.isalnum() or char in "-_") for char in code):
            raise FilterError("channels", "bad_channel", code)
    return ExportFilter(start, end, _unique(languages), _unique(districts), channel_codes, tuple(sorted(set(numbers))))


def check_filter(export_filter: ExportFilter, versions: Sequence[Questionnaire], version_numbers: Iterable[int]) -> None:
    """Refuse values the questionnaire does not know (a typo would otherwise give an empty file)."""
    known_numbers = set(version_numbers)
    for number in export_filter.versions:
        if number not in known_numbers:
            raise FilterError("versions", "bad_version", str(number))
    known_languages = {code for questionnaire in versions for code in questionnaire.language_codes}
    for language in export_filter.languages:
        if language not in known_languages:
            raise FilterError("languages", "unknown_language", language)
    if export_filter.districts:
        codes = district_question_codes(versions)
        if not codes:
            raise FilterError("districts", "no_district_question")
        known_districts = {option.code for questionnaire in versions for question in questionnaire.questions()
                           if question.code in codes for option in question.all_options()}
        for district in export_filter.districts:
            if district not in known_districts:
                raise FilterError("districts", "unknown_district", district)


def district_question_codes(versions: Sequence[Questionnaire]) -> tuple[str, ...]:
    """The codes of the district questions of all versions (normally one code)."""
    codes = [question.code for questionnaire in versions for question in questionnaire.questions()
             if question.type.value == "district"]
    return tuple(dict.fromkeys(codes))

