"""When the server is busy: a rate limit reached (429) or the database unavailable or locked
(503). The respondent sees the page they were on again, with what they entered, a message in
their language and a button to press again; nothing is lost.

Only the steps that create something are limited, per questionnaire and per minute, for each
client (``SURVEY_RATE_LIMIT_CLIENT_SUBMISSIONS``) and for all together
(``SURVEY_RATE_LIMIT_SUBMISSIONS``): the first saved answers (which create the draft; pressing
"Start" stores nothing), the final submission, and resume-code attempts (which could otherwise be
used to guess codes). Saving a page of an existing draft is never limited: a respondent in the
middle of the survey must always be able to save.
"""
from __future__ import annotations

from flask_babel import gettext

from survey.store import rate_limits
from survey.web import limits
from survey.web.errors import RETRY_AFTER_SECONDS

START, SUBMIT, RESUME = "start", "submit", "resume"


def too_many_message() -> str:
    return gettext("Very many people are answering right now. Nothing you entered is lost. Please wait a minute and press the button "
                   "again.")


def database_busy_message() -> str:
    return gettext("We could not save just now. Nothing you entered is lost. Please wait a moment and press the button again.")


def refused(step: str, slug: str) -> rate_limits.Decision | None:
    """Count this ``step`` for the questionnaire (survey.web.limits: committed at once); the
    refusal if the limit is reached, else None."""
    return limits.refused("RATE_LIMIT_SUBMISSIONS", "RATE_LIMIT_CLIENT_SUBMISSIONS", step, slug)


def retry_headers(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(seconds)}


def unavailable_headers() -> dict[str, str]:
    return retry_headers(RETRY_AFTER_SECONDS)

