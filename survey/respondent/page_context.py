"""What a questionnaire page shows, given the answers so far: shared by the respondent pages
and the staff preview, which render the same template."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from survey.questionnaire.model import Questionnaire, Section, Text
from survey.respondent.messages import error_message
from survey.respondent.page_answers import (
    AnswerError,
    has_options_to_offer,
    visible_questions,
    visible_sections,
    with_offered_options,
)


def section_context(
    questionnaire: Questionnaire,
    section: Section,
    answers: dict[str, Any],
    form: Any = None,
    errors: list[AnswerError] | None = None,
    notice: str | None = None,
    localize: Callable[[Text | None], Markup] | None = None,
) -> dict[str, Any]:
    """``localize``: renders questionnaire texts in the page's language (constraint messages)."""
    sections = visible_sections(questionnaire, answers)
    codes = [s.code for s in sections]
    position = codes.index(section.code) + 1 if section.code in codes else 1
    errors = errors or []
    visible = visible_questions(section, answers)
    on_page = {q.code for q in section.questions}
    # Follow-ups that depend on an answer on this same page are sent hidden, for the optional
    # script to show as soon as their condition holds; without script the server shows them.
    live = [q for q in section.questions if q.condition and any(n.code in on_page for n in q.condition.names())
            and has_options_to_offer(q, answers)]
    referenced = {name.code for q in live if q.condition for name in q.condition.names()} - on_page
    return {
        "section": section,
        "questions": [with_offered_options(q, answers) for q in section.questions if q in visible or q in live],
        "visible_codes": [q.code for q in visible],
        "live_codes": [q.code for q in live],
        "saved_answers": {code: answers[code] for code in sorted(referenced) if code in answers},
        "answers": answers,
        "form": form,
        "errors": {error.question_code: error_message(error, localize) for error in errors},
        "error_order": [e.question_code for e in errors],
        "notice": notice,
        "position": position,
        "total": len(sections),
    }
