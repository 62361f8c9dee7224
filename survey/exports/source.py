"""Read submitted responses of one questionnaire from the database, streamed, for the writers."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.exports.csv_export import ResponseRecord
from survey.models import Questionnaire as QuestionnaireRow
from survey.models import QuestionnaireVersion, Response
from survey.questionnaire.model import Questionnaire
from survey.questionnaire_store import questionnaire_for_version

BATCH_SIZE = 1000


class UnknownQuestionnaire(LookupError):
    pass


def versions_newest_first(session: Session, slug: str) -> list[Questionnaire]:
    rows = session.scalars(
        select(QuestionnaireVersion)
        .join(QuestionnaireRow)
        .where(QuestionnaireRow.slug == slug)
        .order_by(QuestionnaireVersion.number.desc())
    ).all()
    if not rows:
        raise UnknownQuestionnaire(slug)
    return [questionnaire_for_version(row) for row in rows]


def iter_records(session: Session, slug: str) -> Iterator[ResponseRecord]:
    """Submitted responses in submission order, fetched in batches so memory stays flat."""
    query = (
        select(Response.public_id, Response.submitted_at, Response.language, QuestionnaireVersion.number,
               Response.channel, Response.answers, Response.interviewer_entered)
        .join(QuestionnaireVersion, Response.version_id == QuestionnaireVersion.id)
        .join(QuestionnaireRow, QuestionnaireVersion.questionnaire_id == QuestionnaireRow.id)
        .where(QuestionnaireRow.slug == slug)
        .order_by(Response.submitted_at, Response.id)
        .execution_options(yield_per=BATCH_SIZE)
    )
    for public_id, submitted_at, language, number, channel, answers, interviewer in session.execute(query):
        yield ResponseRecord(public_id, submitted_at, language, number, channel, answers, bool(interviewer))
