"""Read submitted responses of one questionnaire from the database, streamed, for the writers."""
from __future__ import annotations

from typing import Any, Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from survey.exports.filters import ExportFilter, district_question_codes
from survey.exports.records import ResponseRecord
from survey.store.models import QuestionnaireVersion, Response
from survey.questionnaire.model import Questionnaire
from survey.store.questionnaires import questionnaire_for_version, version_rows

BATCH_SIZE = 1000


class UnknownQuestionnaire(LookupError):
    pass


def _version_rows(session: Session, slug: str) -> list[QuestionnaireVersion]:
    rows = version_rows(session, slug)
    if not rows:
        raise UnknownQuestionnaire(slug)
    return rows


def versions_newest_first(session: Session, slug: str) -> list[Questionnaire]:
    return [questionnaire_for_version(row) for row in _version_rows(session, slug)]


def version_numbers(session: Session, slug: str) -> list[int]:
    """The version numbers of a questionnaire, newest first."""
    return [row.number for row in _version_rows(session, slug)]


def _filtered(session: Session, slug: str, query: Select[Any], export_filter: ExportFilter | None) -> Select[Any]:
    rows = _version_rows(session, slug)
    wanted = [row.id for row in rows if not export_filter or not export_filter.versions
              or row.number in export_filter.versions]
    # The version ids are few; filtering on them (not on a join to the slug) lets the database
    # walk the responses in id order without sorting them all first.
    query = query.where(Response.version_id.in_(wanted))
    if export_filter is None:
        return query
    if export_filter.start() is not None:
        query = query.where(Response.submitted_at >= export_filter.start())
    if export_filter.end_before() is not None:
        query = query.where(Response.submitted_at < export_filter.end_before())
    if export_filter.languages:
        query = query.where(Response.language.in_(export_filter.languages))
    if export_filter.channels:
        query = query.where(Response.channel.in_(export_filter.channels))
    if export_filter.districts:
        codes = district_question_codes([questionnaire_for_version(row) for row in rows])
        if not codes:
            return query.where(Response.id.is_(None))  # no district asked: nothing matches
        # answers ->> 'district' on PostgreSQL, json_extract(answers, '$."district"') on SQLite
        district = func.coalesce(*[Response.answers[code].as_string() for code in codes]) if len(codes) > 1 \
            else Response.answers[codes[0]].as_string()
        query = query.where(district.in_(export_filter.districts))
    return query


def iter_records(session: Session, slug: str, export_filter: ExportFilter | None = None) -> Iterator[ResponseRecord]:
    """Submitted responses in submission order (id order: a response gets its id when it is
    submitted), fetched in batches so memory stays flat."""
    query = _filtered(session, slug, select(
        Response.public_id, Response.submitted_at, Response.language, QuestionnaireVersion.number,
        Response.channel, Response.answers, Response.interviewer_entered,
    ).join(QuestionnaireVersion, Response.version_id == QuestionnaireVersion.id), export_filter)
    query = query.order_by(Response.id).execution_options(yield_per=BATCH_SIZE)
    for public_id, submitted_at, language, number, channel, answers, interviewer in session.execute(query):
        yield ResponseRecord(public_id, submitted_at, language, number, channel, answers, bool(interviewer))


def count_records(session: Session, slug: str, export_filter: ExportFilter | None = None) -> int:
    """How many responses ``iter_records`` gives with the same filter (for progress)."""
    return int(session.scalar(_filtered(session, slug, select(func.count(Response.id)), export_filter)) or 0)
