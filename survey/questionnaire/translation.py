"""Every translatable text of a questionnaire under a stable key, and applying translations.

Keys look like ``question.work_status.option.looking``; they stay the same across versions as
long as the codes do, so a translation made once can be applied again.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from survey.questionnaire.model import Option, Question, Questionnaire, Section, Text


def translation_units(questionnaire: Questionnaire) -> Iterator[tuple[str, Text]]:
    """(key, text) for every text a translator must translate, in reading order."""
    yield "title", questionnaire.title
    if questionnaire.intro:
        yield "intro", questionnaire.intro
    if questionnaire.districts_from is None:  # the city's list is named in the staff area, not here
        for option in questionnaire.districts:
            yield f"district.{option.code}", option.label
    for section in questionnaire.sections:
        yield f"section.{section.code}.title", section.title
        if section.intro:
            yield f"section.{section.code}.intro", section.intro
        for question in section.questions:
            yield f"question.{question.code}.label", question.label
            if question.hint:
                yield f"question.{question.code}.hint", question.hint
            if question.constraint_message:
                yield f"question.{question.code}.constraint_message", question.constraint_message
            if question.type.value in ("yes_no", "district"):
                continue  # labels come from the format itself or from the district list
            for option in question.options:
                yield f"question.{question.code}.option.{option.code}", option.label


def _add(text: Text, key: str, language: str, translations: Mapping[str, str]) -> Text:
    if not translations.get(key, "").strip():
        return text
    return Text({**text.translations, language: translations[key].strip()})


def _add_optional(text: Text | None, key: str, language: str, translations: Mapping[str, str]) -> Text | None:
    return None if text is None else _add(text, key, language, translations)


def _options(options: tuple[Option, ...], prefix: str, language: str, translations: Mapping[str, str]) -> tuple[Option, ...]:
    return tuple(
        replace(option, label=_add(option.label, f"{prefix}.{option.code}", language, translations))
        for option in options
    )


def with_translations(
    questionnaire: Questionnaire, language: str, translations: Mapping[str, str]
) -> Questionnaire:
    """A copy of the questionnaire with the given texts in ``language`` added or replaced.

    District questions take their options from the (translated) district list; the city's list
    (``districts: municipality``) is named in the staff area and left as it is.
    """
    districts = (questionnaire.districts if questionnaire.districts_from is not None
                 else _options(questionnaire.districts, "district", language, translations))
    sections: list[Section] = []
    for section in questionnaire.sections:
        questions: list[Question] = []
        for question in section.questions:
            prefix = f"question.{question.code}"
            if question.type.value == "district":
                options = districts
            elif question.type.value == "yes_no":
                options = question.options
            else:
                options = _options(question.options, f"{prefix}.option", language, translations)
            questions.append(replace(
                question,
                label=_add(question.label, f"{prefix}.label", language, translations),
                hint=_add_optional(question.hint, f"{prefix}.hint", language, translations),
                constraint_message=_add_optional(question.constraint_message, f"{prefix}.constraint_message", language, translations),
                options=options,
            ))
        sections.append(replace(
            section,
            title=_add(section.title, f"section.{section.code}.title", language, translations),
            intro=_add_optional(section.intro, f"section.{section.code}.intro", language, translations),
            questions=tuple(questions),
        ))
    return replace(
        questionnaire,
        title=_add(questionnaire.title, "title", language, translations),
        intro=_add_optional(questionnaire.intro, "intro", language, translations),
        districts=districts,
        sections=tuple(sections),
    )


def completeness(questionnaire: Questionnaire) -> dict[str, tuple[int, int]]:
    """Per language: (texts translated, texts in all) over the texts a translator must write."""
    units = list(translation_units(questionnaire))
    return {
        language: (sum(1 for _key, text in units if (text.get(language) or "").strip()), len(units))
        for language in questionnaire.language_codes
    }
