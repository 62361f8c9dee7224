"""Interviewer mode: staff enter a paper questionnaire, or help a respondent, on the staff's
device through the ordinary respondent pages. The mark lives in the signed session cookie (it
cannot be forged) and ends with the staff member's logout."""
from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

INTERVIEW_KEY = "interview"


def start_interview(session: MutableMapping[str, Any], slug: str) -> None:
    session[INTERVIEW_KEY] = sorted({*session.get(INTERVIEW_KEY, []), slug})


def is_interview(session: MutableMapping[str, Any], slug: str) -> bool:
    return slug in session.get(INTERVIEW_KEY, [])


def end_interview(session: MutableMapping[str, Any], slug: str | None = None) -> None:
    remaining = [] if slug is None else [s for s in session.get(INTERVIEW_KEY, []) if s != slug]
    if remaining:
        session[INTERVIEW_KEY] = remaining
    else:
        session.pop(INTERVIEW_KEY, None)
