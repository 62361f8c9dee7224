"""The city's district list as the options of district questions (``districts: municipality``).

A questionnaire file may say ``districts: municipality`` instead of listing its districts: its
district questions then offer the municipality's own list (staff area, Districts and fields),
sub-districts grouped under the district they lie in. The store hands that list in as plain data
(``DistrictEntry``) and keeps the list a version was published with, so a published version's
answers keep their meaning when the city changes its list later. No database here:
questionnaire/ does not import the store.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from survey.questionnaire.model import MUNICIPALITY, Option, Questionnaire, QuestionType, Text

# The language of a district name as the city entered it (the staff area is German); names in
# further languages come from the list's name_<language> columns.
ENTERED_LANGUAGE = "de"


@dataclass(frozen=True)
class DistrictEntry:
    """One district of the city's list: its code, its names by language, and the code of the
    district it lies in (a sub-district), if any."""

    code: str
    names: Mapping[str, str] = field(default_factory=dict)
    parent: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The JSON kept with a stored version."""
        return {"code": self.code, "names": dict(self.names), "parent": self.parent}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DistrictEntry:
        return cls(str(data["code"]), dict(data.get("names") or {}), data.get("parent") or None)


def district_options(entries: Sequence[DistrictEntry]) -> tuple[Option, ...]:
    """The options of a bound district question: every district that lies in no other, each
    followed by the sub-districts that lie in it (at any depth, in the list's order)."""
    by_code = {entry.code: entry for entry in entries}

    def top_of(entry: DistrictEntry) -> str:
        """The district ``entry`` lies in that lies in no other (itself if its parents go round)."""
        start, seen = entry.code, {entry.code}
        while entry.parent in by_code:
            if entry.parent in seen:
                return start
            entry = by_code[entry.parent]
            seen.add(entry.code)
        return entry.code

    tops = [entry for entry in entries if top_of(entry) == entry.code]
    children: dict[str, list[DistrictEntry]] = {top.code: [] for top in tops}
    for entry in entries:
        top_code = top_of(entry)
        if top_code != entry.code:
            children[top_code].append(entry)
    options: list[Option] = []
    for top in tops:
        options.append(Option(top.code, _label(top)))
        options.extend(Option(child.code, _label(child), parent=top.code) for child in children[top.code])
    return tuple(options)


def _label(entry: DistrictEntry) -> Text:
    names = {language: name for language, name in entry.names.items() if name}
    return Text(names or {ENTERED_LANGUAGE: entry.code})


def bind_districts(questionnaire: Questionnaire, entries: Iterable[DistrictEntry]) -> Questionnaire:
    """``questionnaire`` with the city's list as its districts, when its file binds them
    (``districts: municipality``); any other questionnaire unchanged."""
    if questionnaire.districts_from != MUNICIPALITY:
        return questionnaire
    options = district_options(list(entries))
    sections = tuple(
        replace(section, questions=tuple(
            replace(question, options=options) if question.type is QuestionType.DISTRICT else question
            for question in section.questions))
        for section in questionnaire.sections
    )
    return replace(questionnaire, sections=sections, districts=options)
