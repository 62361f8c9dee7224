"""Questionnaire texts for templates in the respondent's language, with fallbacks marked.

A text missing in the respondent's language is shown in the next language of the fallback
chain, wrapped in an element carrying that language's ``lang`` and ``dir``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

from survey.questionnaire.model import OTHER_OPTION_CODE, Option, Question, Questionnaire, QuestionType, Section, Text
from survey.respondent.page_answers import visible_questions, visible_sections

Localizer = Callable[[Text | None], Markup]


def localizer(questionnaire: Questionnaire, language: str) -> Localizer:
    chain = questionnaire.chain(language)

    def localize(text: Text | None) -> Markup:
        if text is None:
            return Markup("")
        resolved = text.resolve(chain)
        if resolved.is_fallback:
            return Markup('<span lang="{}" dir="{}">{}</span>').format(
                resolved.language, resolved.direction, resolved.text
            )
        return escape(resolved.text)

    return localize


def audio_names(questionnaire: Questionnaire) -> frozenset[str]:
    """Every audio file name the questionnaire refers to, in any language."""
    names: set[str] = set()
    for question in questionnaire.questions():
        items: tuple[Question | Option, ...] = (question, *question.options)
        for item in items:
            if item.audio is not None:
                names.update(item.audio.translations.values())
    return frozenset(names)


def answer_summary(
    questionnaire: Questionnaire, answers: Mapping[str, Any], localize: Localizer
) -> list[tuple[Section, list[tuple[Question, Markup | None]]]]:
    """Each visible page with its answerable visible questions and the answers as shown."""
    return [
        (section, [(q, answer_display(q, answers, localize)) for q in visible_questions(section, answers) if q.takes_answer])
        for section in visible_sections(questionnaire, answers)
    ]


def answer_display(question: Question, answers: Mapping[str, Any], localize: Localizer) -> Markup | None:
    """The respondent's answer as they would read it on the review page (None: not answered)."""
    value = answers.get(question.code)
    if value in (None, "", []):
        return None
    if question.is_choice:
        codes = value if isinstance(value, list) else [value]
        parts = []
        for code in codes:
            option = question.option(code)
            label = localize(option.label) if option else escape(code)
            parent = question.option(option.parent) if option is not None and option.parent else None
            if parent is not None:  # a sub-district names the district it lies in
                label = Markup("{}, {}").format(label, localize(parent.label))
            if code == OTHER_OPTION_CODE and answers.get(question.other_code):
                label = Markup('{}: <bdi>{}</bdi>').format(label, answers[question.other_code])
            # Isolated: a Latin label in a right-to-left list keeps its comma on the right side.
            parts.append(Markup("<bdi>{}</bdi>").format(label))
        return Markup(", ").join(parts)
    if question.type is QuestionType.LONG_TEXT:
        return Markup('<bdi class="long">{}</bdi>').format(value)
    return Markup("<bdi>{}</bdi>").format(value)
