"""The validated, immutable questionnaire. Built only by the loaders; knows nothing of Flask or
the database."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any

from survey.languages import LANGUAGES, fallback_chain
from survey.questionnaire.conditions.expression import Condition


class IntegrationField(StrEnum):
    """The seven default integration fields of KIM (see DOMAIN.md). A municipality may define
    its own (survey.store.municipality); a section's ``field`` is then any such code."""

    LANGUAGE = "language"
    EDUCATION = "education"
    WORK = "work"
    HOUSING = "housing"
    HEALTH = "health"
    LEGAL = "legal"
    PARTICIPATION = "participation"


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    SCALE = "scale"
    NUMBER = "number"
    TEXT = "text"
    LONG_TEXT = "long_text"
    YEAR = "year"
    DATE = "date"
    DISTRICT = "district"
    INFO = "info"


CHOICE_TYPES = frozenset(
    {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.YES_NO,
     QuestionType.SCALE, QuestionType.DISTRICT}
)
OTHER_OPTION_CODE = "other"
# ``districts: municipality``: the district questions offer the city's own district list.
MUNICIPALITY = "municipality"
OTHER_SUFFIX = "_other"


@dataclass(frozen=True)
class ResolvedText:
    """A text in the language it was found in; ``is_fallback`` when that is not the one asked."""

    text: str
    language: str
    is_fallback: bool

    @property
    def direction(self) -> str:
        return LANGUAGES[self.language].direction if self.language in LANGUAGES else "ltr"


@dataclass(frozen=True)
class Text:
    """A mapping language tag -> string."""

    translations: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "translations", MappingProxyType(dict(self.translations)))

    def get(self, language: str) -> str | None:
        return self.translations.get(language)

    def resolve(self, chain: list[str]) -> ResolvedText:
        for position, language in enumerate(chain):
            value = self.translations.get(language)
            if value:
                return ResolvedText(value, language, position > 0)
        language, value = next(iter(self.translations.items()))
        return ResolvedText(value, language, True)


@dataclass(frozen=True)
class Option:
    code: str
    label: Text
    exclusive: bool = False  # a "none of these" answer that cannot be combined with others
    audio: Text | None = None  # language -> audio file name, for respondents who read little
    # Offered only while true (an XLSForm choice_filter); a hidden option is rejected on submit.
    condition: Condition | None = None
    # A sub-district names the district it lies in (the code of an earlier option); the
    # respondent page groups it under that district. Only districts from the city's list have it.
    parent: str | None = None


@dataclass(frozen=True)
class Question:
    code: str
    type: QuestionType
    label: Text
    section_code: str
    hint: Text | None = None
    required: bool = False
    condition: Condition | None = None
    options: tuple[Option, ...] = ()
    other: bool = False  # adds "Other, please specify" with a text field
    other_label: Text | None = None
    minimum: float | None = None
    maximum: float | None = None
    decimals: bool = False
    max_length: int | None = None
    audio: Text | None = None  # language -> audio file name of the spoken question
    # Must hold for a given answer (it may use the question's own code); else constraint_message.
    constraint: Condition | None = None
    constraint_message: Text | None = None

    @property
    def takes_answer(self) -> bool:
        return self.type is not QuestionType.INFO

    @cached_property
    def has_option_conditions(self) -> bool:
        """Some options are offered only under a condition (asked for every visibility check,
        on every page: worked out once per loaded questionnaire)."""
        return any(option.condition is not None for option in self.options)

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def other_code(self) -> str:
        """The answer key of the "please specify" text."""
        return self.code + OTHER_SUFFIX

    def all_options(self) -> tuple[Option, ...]:
        """The options including the generated "other" option."""
        if self.other and self.other_label is not None:
            return self.options + (Option(OTHER_OPTION_CODE, self.other_label),)
        return self.options

    def option(self, code: str) -> Option | None:
        return next((option for option in self.all_options() if option.code == code), None)

    @cached_property
    def has_sub_options(self) -> bool:
        """Some options are sub-districts (a district question bound to the city's list)."""
        return any(option.parent is not None for option in self.options)

    def option_groups(self) -> list[tuple[Option, tuple[Option, ...]]]:
        """Each option that lies in no other with the sub-districts that lie in it (most have
        none), in the options' order."""
        groups: list[tuple[Option, list[Option]]] = []
        heads: dict[str, list[Option]] = {}
        for option in self.all_options():
            if option.parent is not None and option.parent in heads:
                heads[option.parent].append(option)
            else:
                heads[option.code] = []
                groups.append((option, heads[option.code]))
        return [(head, tuple(subs)) for head, subs in groups]


@dataclass(frozen=True)
class Section:
    code: str
    title: Text
    questions: tuple[Question, ...]
    field: str | None = None  # an integration field code (IntegrationField or the city's own)
    intro: Text | None = None
    condition: Condition | None = None
    # When a respondent needs help in this section's field (gap analysis); may use any question.
    need: Condition | None = None


@dataclass(frozen=True)
class LanguageSpec:
    code: str
    reviewed: bool = True
    # A partial language may lack texts; they fall back along the language's chain.
    partial: bool = False


@dataclass(frozen=True)
class Questionnaire:
    slug: str
    title: Text
    default_language: str
    languages: tuple[LanguageSpec, ...]
    sections: tuple[Section, ...]
    districts: tuple[Option, ...] = ()
    # MUNICIPALITY: ``districts`` is the city's list, handed in by the store (``bind_districts``),
    # not written in the file; a file read without it has no districts yet.
    districts_from: str | None = None
    intro: Text | None = None
    # Questions (single choice, yes/no, district) results are broken down by: target groups.
    breakdowns: tuple[str, ...] = ()
    # Offer attribute -> question code: responses become offers for staff review (offer-inventory).
    offer_mapping: Mapping[str, str] = field(default_factory=dict)
    _questions: Mapping[str, Question] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {q.code: q for section in self.sections for q in section.questions}
        object.__setattr__(self, "_questions", MappingProxyType(index))

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(spec.code for spec in self.languages)

    def language_spec(self, code: str) -> LanguageSpec | None:
        return next((spec for spec in self.languages if spec.code == code), None)

    def chain(self, language: str) -> list[str]:
        return fallback_chain(language, self.language_codes, self.default_language)

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, code: str) -> Question:
        return self._questions[code]

    def has_question(self, code: str) -> bool:
        return code in self._questions

    def district_question(self) -> Question | None:
        """The question that asks for the district, if any (results per district use it)."""
        return next((q for q in self.questions() if q.type == QuestionType.DISTRICT), None)

    def need_sections(self) -> tuple[Section, ...]:
        """Sections that declare when a respondent needs help in their integration field."""
        return tuple(s for s in self.sections if s.field is not None and s.need is not None)

    def needs_of(self, answers: Mapping[str, Any]) -> tuple[str, ...]:
        """The integration fields in which these answers say the person needs help, in
        questionnaire order, each once: a field counts when any of its sections' needs holds.
        The one definition the gap analysis, the results and the thank-you offers share."""
        found: list[str] = []
        for section in self.need_sections():
            assert section.need is not None and section.field is not None
            if section.field not in found and section.need.evaluate(answers):
                found.append(section.field)
        return tuple(found)

    def district_of(self, answers: Mapping[str, Any]) -> str | None:
        """The district code the respondent chose, if the questionnaire asks and they answered."""
        question = self.district_question()
        if question is None:
            return None
        value = answers.get(question.code)
        return value if isinstance(value, str) and value else None

    def section(self, code: str) -> Section | None:
        return next((section for section in self.sections if section.code == code), None)
