"""Drafts saved page by page, resume codes, and submitting a response exactly once.

Functions only flush; the caller commits. The browser keeps a random token (in its session
cookie); the database keeps only hashes of the token and of the resume code.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, joinedload

from survey.models import Draft, QuestionnaireVersion, Response

# No 0/O, 1/I/L, 5/S, 2/Z: easy to read aloud and to type on a phone.
RESUME_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
RESUME_LENGTH = 8


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def new_resume_code() -> str:
    raw = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(RESUME_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_resume_code(value: str) -> str:
    """Accept lower case, spaces, missing or extra dashes, and the look-alikes O/0 and I/1."""
    cleaned = "".join(char for char in value.upper() if char.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "Z": "2"}))
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == RESUME_LENGTH else cleaned


@dataclass(frozen=True)
class DraftHandle:
    """What the browser keeps: the token that opens the draft and the code to show."""

    token: str
    resume_code: str


def start_draft(
    session: Session, version: QuestionnaireVersion, language: str, channel: str = "web"
) -> tuple[Draft, DraftHandle]:
    token = secrets.token_urlsafe(32)
    for _ in range(10):
        code = new_resume_code()
        if session.scalar(select(Draft.id).where(Draft.resume_code_hash == _hash(code))) is None:
            break
    draft = Draft(
        token_hash=_hash(token),
        resume_code_hash=_hash(code),
        version_id=version.id,
        language=language,
        answers={},
        consented=True,
        channel=channel,
        started_on=today(),
        last_saved_on=today(),
    )
    session.add(draft)
    session.flush()
    return draft, DraftHandle(token, code)


# Every respondent page needs the draft's version and questionnaire row: one query, not three,
# and without the version's source text (the model comes from the cache by content hash).
_WITH_VERSION = joinedload(Draft.version).options(
    defer(QuestionnaireVersion.source), joinedload(QuestionnaireVersion.questionnaire))


def find_draft(session: Session, token: str | None) -> Draft | None:
    if not token:
        return None
    return session.scalar(select(Draft).options(_WITH_VERSION).where(Draft.token_hash == _hash(token)))


def resume_with_code(session: Session, code: str, slug: str) -> tuple[Draft, DraftHandle] | None:
    """Open a draft on another device: a fresh token is issued for it, so the code opens the
    draft but no copy of an old cookie does any more."""
    normalized = normalize_resume_code(code)
    draft = session.scalar(select(Draft).where(Draft.resume_code_hash == _hash(normalized)))
    if draft is None or draft.version.questionnaire.slug != slug:
        return None
    token = secrets.token_urlsafe(32)
    draft.token_hash = _hash(token)
    draft.last_saved_on = today()
    session.flush()
    return draft, DraftHandle(token, normalized)


def save_answers(session: Session, draft: Draft, answers: dict[str, Any], section_code: str | None, language: str) -> None:
    # A new dict, so SQLAlchemy sees the JSON column change.
    draft.answers = dict(answers)
    draft.current_section = section_code
    draft.language = language
    draft.last_saved_on = today()
    session.flush()


def delete_draft(session: Session, draft: Draft) -> None:
    session.delete(draft)
    session.flush()


def delete_expired_drafts(session: Session, retention_days: int) -> int:
    cutoff = today() - dt.timedelta(days=retention_days)
    result = session.execute(delete(Draft).where(Draft.last_saved_on < cutoff))
    return result.rowcount or 0


def already_submitted(session: Session, token: str | None) -> bool:
    if not token:
        return False
    return session.scalar(select(Response.id).where(Response.submission_key == _hash(token))) is not None


def submit_draft(
    session: Session, draft: Draft, answers: dict[str, Any], interviewer_entered: bool = False
) -> Response | None:
    """Turn the draft into a response and delete the draft, in the caller's transaction.

    Returns None when the same draft was submitted concurrently (the unique submission key
    refused the second copy); the caller then rolls back and treats it as submitted.
    """
    response = Response(
        public_id=str(uuid.uuid4()),
        submission_key=draft.token_hash,
        version_id=draft.version_id,
        language=draft.language,
        channel=draft.channel,
        interviewer_entered=interviewer_entered,
        started_on=draft.started_on,
        answers=dict(answers),
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError:
        return None
    session.delete(draft)
    session.flush()
    return response
