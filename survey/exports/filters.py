"""Which responses an export contains: submission dates, languages, districts, channels, versions.

Every format takes the same ``ResponseFilter`` (survey.store.responses, which turns it into the
WHERE clause of the one query that reads the responses); this module builds one from a form or
the command line and checks it against the questionnaire.

Bad input raises ``FilterError`` with a ``kind`` the staff view translates and an English text
for the command line; nothing is silently dropped.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from survey.questionnaire.model import Questionnaire
from survey.store.responses import ResponseFilter, district_question_codes


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


def filter_from_options(data: Mapping[str, Any] | None) -> ResponseFilter:
    """The filter a job stored (``ResponseFilter.to_options``), checked again."""
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
) -> ResponseFilter:
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
    return ResponseFilter(start, end, _unique(languages), _unique(districts), channel_codes, tuple(sorted(set(numbers))))


def check_filter(export_filter: ResponseFilter, versions: Sequence[Questionnaire], version_numbers: Iterable[int]) -> None:
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
