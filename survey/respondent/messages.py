"""The respondent's error messages, one per error kind, in the respondent's language."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext, ngettext
from markupsafe import Markup

from survey.questionnaire.model import Text
from survey.respondent.page_answers import AnswerError


def newly_shown_notice() -> str:
    """Shown when an answer revealed more questions on the same page (no script to show them)."""
    return gettext("Thank you. Because of your answer, there are more questions on this page. Please answer them too.")


def error_message(error: AnswerError, localize: Callable[[Text | None], Markup] | None = None) -> str:
    """The message in the respondent's language; ``localize`` renders a questionnaire text
    (the constraint_message of a question)."""
    params = error.params
    kind = error.kind
    if kind == "constraint" and params.get("message") is not None and localize is not None:
        return localize(params["message"])
    if kind == "required":
        if params.get("multiple"):
            return gettext("Please choose at least one answer.")
        return gettext("Please answer this question.")
    if kind == "invalid_option":
        return gettext("Please choose one of the answers shown.")
    if kind == "exclusive":
        return gettext("This answer cannot be combined with other answers. Please choose it alone or remove it.")
    if kind == "other_missing":
        return gettext("You chose “other”. Please write what you mean in the text field.")
    if kind == "not_a_number":
        return gettext("Please write a number, for example 3.")
    if kind == "not_a_whole_number":
        return gettext("Please write a whole number without a comma, for example 3.")
    if kind == "not_a_year":
        return gettext("Please write a year with four digits, for example 2021.")
    if kind == "solar_hijri_year":
        return gettext("Please write the year of the Gregorian calendar. The year %(year)s of the Solar Hijri (Persian) "
                       "calendar is %(first)s or %(second)s.", year=params["year"], first=params["first"],
                       second=params["second"])
    if kind == "not_a_date":
        return gettext("Please write a date as day.month.year, for example 31.12.2023.")
    if kind == "too_small":
        return gettext("Please write a number of at least %(minimum)s.", minimum=params["minimum"])
    if kind == "too_large":
        return gettext("Please write a number of at most %(maximum)s.", maximum=params["maximum"])
    if kind == "too_long":
        return ngettext(
            "Please shorten your answer to at most %(num)d character.",
            "Please shorten your answer to at most %(num)d characters.",
            params["maximum"],
        )
    return gettext("Please check this answer.")
