"""When the server is busy: a rate limit reached (429) or the database unavailable or locked
(503). The respondent sees the page they were on again, with what they entered, a message in
their language and a button to press again; nothing is lost.

Only the steps that create something are limited, per questionnaire (``SURVEY_RATE_LIMIT_SUBMISSIONS``
each per minute): starting a new draft, the final submission, and resume-code attempts (which
could otherwise be used to guess codes). Saving a page of an existing draft is never limited:
a respondent in the middle of the survey must always be able to save.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import Session

from survey.store import rate_limits
from survey.web.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

START, SUBMIT, RESUME = "start", "submit", "resume"


def too_many_message() -> str:
    return gettext("Very many people are answering right now. Nothing you entered is lost. Please wait a minute and press the button again.")


def database_busy_message() -> str:
    return gettext("We could not save just now. Nothing you entered is lost. Please wait a moment and press the button again.")


def refused(db: Session, step: str, slug: str) -> rate_limits.Decision | None:
    """Count this ``step`` for the questionnaire; the refusal if the limit is reached, else None.

    An allowed hit is committed at once (it counts even if the step then fails, and the row
    lock is held only for an instant); a refused one is rolled back, so refusals do not count.
    """
    limit = int(current_app.config["RATE_LIMIT_SUBMISSIONS"])
    decision = rate_limits.hit(db, rate_limits.bucket_key(step, slug), limit)
    if decision.allowed:
        db.commit()
        return None
    discard(db)
    return decision


def retry_headers(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(seconds)}


def unavailable_headers() -> dict[str, str]:
    return retry_headers(RETRY_AFTER_SECONDS)


def discard(db: Session) -> None:
    """Roll back; a connection already gone cannot fail the page that says so."""
    try:
        db.rollback()
    except DATABASE_UNAVAILABLE:
        pass
