"""Drafts saved page by page, resume codes, and submitting a response exactly once.

Functions only flush; the caller commits. The browser keeps a random token (in its session
cookie); the database keeps only hashes of the token and of the resume code.

A draft not saved for ``retention_days`` (``SURVEY_DRAFT_RETENTION_DAYS``) has expired: every read
that opens one (by the browser's token or by the resume code) ignores it, exactly as if it had
been deleted, whether or not the clean-up (``delete_expired_drafts``, run by the server's
housekeeping) has deleted it yet.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.store.db import deleted_rows
from survey.store.models import Draft, QuestionnaireVersion, Response
from survey.store.models import Questionnaire as QuestionnaireRow

# No 0/O, 1/I/L, 5/S, 2/Z: easy to read aloud and to type on a phone.
RESUME_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
RESUME_LENGTH = 8


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def kept_since(retention_days: int) -> dt.date:
    """The oldest last save an open draft may have: a draft saved before this day has expired."""
    return today() - dt.timedelta(days=retention_days)


def new_resume_code() -> str:
    raw = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(RESUME_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


# Letters read as the digits they look like.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "Z": "2"})


def normalize_resume_code(value: str) -> str:
    """Accept lower case, spaces, missing or extra dashes, the look-alikes O/0 and I/1, and digits
    typed on an Arabic or Persian keyboard."""
    cleaned = "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char
                      for char in value.upper() if char.isalnum())
    cleaned = cleaned.translate(LOOKALIKES)
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == RESUME_LENGTH else cleaned


def is_resume_code(value: str) -> bool:
    """Whether ``value`` could be a resume code at all (right length, only its alphabet)."""
    cleaned = normalize_resume_code(value).replace("-", "")
    return len(cleaned) == RESUME_LENGTH and all(char in RESUME_ALPHABET for char in cleaned)


@dataclass(frozen=True)
class DraftHandle:
    """What the browser keeps: the token that opens the draft and the code to show."""

    token: str
    resume_code: str


def start_draft(
    session: Session, version: QuestionnaireVersion, language: str, channel: str = "web",
    answers: dict[str, Any] | None = None, current_section: str | None = None,
) -> tuple[Draft, DraftHandle]:
    """A new draft with the respondent's first answers (the pages create it with the first answer
    saved, never before: a start alone stores nothing)."""
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
        answers=dict(answers or {}),
        current_section=current_section,
        consented=True,
        channel=channel,
        started_on=today(),
        last_saved_on=today(),
    )
    session.add(draft)
    session.flush()
    return draft, DraftHandle(token, code)


@dataclass
class OpenDraft:
    """A draft as the respondent pages use it, with what they need of its version.

    Every page view and page submission loads one and most save it: one Core query each way,
    without ORM objects, identity map or flush, which took a third of a submission's CPU time
    (docs/performance.md, "Throughput").
    """

    id: int
    token_hash: str
    version_id: int
    content_hash: str  # of the version: the key of the cached questionnaire model
    closed: bool  # the questionnaire has been closed
    language: str
    answers: dict[str, Any]
    current_section: str | None
    channel: str
    started_on: dt.date
    last_saved_on: dt.date


_DRAFT = cast(Table, Draft.__table__)
_VERSION = cast(Table, QuestionnaireVersion.__table__)
_QUESTIONNAIRE = cast(Table, QuestionnaireRow.__table__)
_OPEN_DRAFT = (
    select(_DRAFT.c.id, _DRAFT.c.token_hash, _DRAFT.c.version_id, _VERSION.c.content_hash,
           _QUESTIONNAIRE.c.closed_at.is_not(None).label("closed"), _DRAFT.c.language, _DRAFT.c.answers,
           _DRAFT.c.current_section, _DRAFT.c.channel, _DRAFT.c.started_on, _DRAFT.c.last_saved_on)
    .join(_VERSION, _VERSION.c.id == _DRAFT.c.version_id)
    .join(_QUESTIONNAIRE, _QUESTIONNAIRE.c.id == _VERSION.c.questionnaire_id)
    .where(_DRAFT.c.token_hash == bindparam("token_hash"), _DRAFT.c.last_saved_on >= bindparam("kept_since"))
)
# Built once: constructing the statement per request cost as much as compiling it (cached).
_SAVE_DRAFT = (
    update(_DRAFT).where(_DRAFT.c.id == bindparam("draft_id"))
    .values(answers=bindparam("answers", type_=_DRAFT.c.answers.type), current_section=bindparam("section"),
            language=bindparam("language"), last_saved_on=bindparam("saved_on"))
)


def find_draft(session: Session, token: str | None, *, retention_days: int) -> OpenDraft | None:
    """The draft the browser's token opens; None when there is none, or it has expired."""
    if not token:
        return None
    # On the session's connection, past the ORM's execution pipeline (nothing here is an ORM
    # entity): a fifth less work per page request.
    row = session.connection().execute(
        _OPEN_DRAFT, {"token_hash": _hash(token), "kept_since": kept_since(retention_days)}).one_or_none()
    if row is None:
        return None
    values = row._asdict()
    values["answers"] = dict(values["answers"] or {})
    values["closed"] = bool(values["closed"])
    return OpenDraft(**values)


def resume_with_code(session: Session, code: str, slug: str, *, retention_days: int) -> tuple[Draft, DraftHandle] | None:
    """Open a draft on another device: a fresh token is issued for it, so the code opens the
    draft but no copy of an old cookie does any more. None for an unknown or expired draft."""
    normalized = normalize_resume_code(code)
    draft = session.scalar(select(Draft).where(Draft.resume_code_hash == _hash(normalized),
                                               Draft.last_saved_on >= kept_since(retention_days)))
    if draft is None or draft.version.questionnaire.slug != slug:
        return None
    token = secrets.token_urlsafe(32)
    draft.token_hash = _hash(token)
    draft.last_saved_on = today()
    session.flush()
    return draft, DraftHandle(token, normalized)


def save_answers(session: Session, draft: OpenDraft, answers: dict[str, Any], section_code: str | None,
                 language: str) -> bool:
    """Store the draft's answers and resume point. False when the draft no longer exists (it was
    submitted or deleted in another tab since it was loaded): nothing is saved then."""
    saved_on = today()
    result = session.connection().execute(_SAVE_DRAFT, {"draft_id": draft.id, "answers": dict(answers), "section": section_code,
                                           "language": language, "saved_on": saved_on})
    if result.rowcount != 1:
        return False
    draft.answers, draft.current_section, draft.language, draft.last_saved_on = dict(answers), section_code, language, saved_on
    return True


def delete_draft(session: Session, draft: OpenDraft) -> None:
    session.execute(delete(_DRAFT).where(_DRAFT.c.id == draft.id))


def delete_expired_drafts(session: Session, retention_days: int) -> int:
    """Delete the drafts that have expired (those no read opens any more); returns how many."""
    return deleted_rows(session.execute(delete(Draft).where(Draft.last_saved_on < kept_since(retention_days))))


def already_submitted(session: Session, token: str | None) -> bool:
    if not token:
        return False
    return session.scalar(select(Response.id).where(Response.submission_key == _hash(token))) is not None


def submit_draft(
    session: Session, draft: OpenDraft, answers: dict[str, Any], interviewer_entered: bool = False
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
    delete_draft(session, draft)
    return response
