"""Submitted responses: the one reader that analysis and exports both use, counting, and
deleting a questionnaire's responses. (A draft becomes a response in survey.store.drafts.)

Responses are read in submission order (id order: a response gets its id when it is submitted),
in batches, so memory stays flat at a million rows. A ``ResponseFilter`` becomes the WHERE clause
of that one query; the district is the answer to the questionnaire's question of type
``district``, read with SQLAlchemy's JSON index, which works on SQLite and PostgreSQL alike.
Dates are days in UTC, like the exported ``submitted_at``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from survey.questionnaire.model import Questionnaire
from survey.store.db import deleted_rows
from survey.store.models import Draft, Offer, QuestionnaireVersion, Response
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.questionnaires import questionnaire_for_version, version_rows

BATCH_SIZE = 2000


class UnknownQuestionnaire(LookupError):
    pass


@dataclass(frozen=True)
class ResponseRecord:
    """One submitted response as analysis and the export writers read it."""

    response_id: str
    submitted_at: dt.datetime
    language: str
    questionnaire_version: int
    channel: str
    answers: Mapping[str, Any]
    interviewer_entered: bool = False  # staff entered it (paper questionnaire, assisted)

    @property
    def submitted_utc(self) -> dt.datetime:
        """The submission time as an aware UTC datetime (SQLite returns naive ones, stored as UTC)."""
        submitted = self.submitted_at
        if submitted.tzinfo is None:
            submitted = submitted.replace(tzinfo=dt.UTC)
        return submitted.astimezone(dt.UTC)


@dataclass(frozen=True)
class ResponseFilter:
    """Which responses to read; empty fields mean "all", several values in one field "any of
    them". survey.exports.filters builds one from a form or the command line and checks it."""

    date_from: dt.date | None = None  # inclusive, UTC day
    date_to: dt.date | None = None  # inclusive, UTC day
    languages: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    versions: tuple[int, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == ResponseFilter()

    def start(self) -> dt.datetime | None:
        if self.date_from is None:
            return None
        return dt.datetime.combine(self.date_from, dt.time(), tzinfo=dt.UTC)

    def end_before(self) -> dt.datetime | None:
        """The first moment no longer included (midnight after ``date_to``)."""
        if self.date_to is None:
            return None
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    def to_options(self) -> dict[str, Any]:
        """A JSON-safe form (for ExportJob.options and the audit log); empty fields left out."""
        data: dict[str, Any] = {}
        if self.date_from:
            data["date_from"] = self.date_from.isoformat()
        if self.date_to:
            data["date_to"] = self.date_to.isoformat()
        for name in ("languages", "districts", "channels", "versions"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        return data


def district_question_codes(versions: Sequence[Questionnaire]) -> tuple[str, ...]:
    """The codes of the district questions of all versions (normally one code)."""
    codes = [question.code for questionnaire in versions for question in questionnaire.questions()
             if question.type.value == "district"]
    return tuple(dict.fromkeys(codes))


def _version_rows(session: Session, slug: str) -> list[QuestionnaireVersion]:
    rows = version_rows(session, slug)
    if not rows:
        raise UnknownQuestionnaire(slug)
    return rows


def load_versions(session: Session, slug: str) -> dict[int, Questionnaire]:
    """Version number -> model, newest first. Raises UnknownQuestionnaire."""
    return {row.number: questionnaire_for_version(row) for row in _version_rows(session, slug)}


def _filtered(session: Session, slug: str, query: Select[Any], response_filter: ResponseFilter | None,
              rows: list[QuestionnaireVersion]) -> Select[Any]:
    wanted = [row.id for row in rows if not response_filter or not response_filter.versions
              or row.number in response_filter.versions]
    # The version ids are few; filtering on them (not on a join to the slug) lets the database
    # walk the responses in id order without sorting them all first.
    query = query.where(Response.version_id.in_(wanted))
    if response_filter is None:
        return query
    if response_filter.start() is not None:
        query = query.where(Response.submitted_at >= response_filter.start())
    if response_filter.end_before() is not None:
        query = query.where(Response.submitted_at < response_filter.end_before())
    if response_filter.languages:
        query = query.where(Response.language.in_(response_filter.languages))
    if response_filter.channels:
        query = query.where(Response.channel.in_(response_filter.channels))
    if response_filter.districts:
        codes = district_question_codes([questionnaire_for_version(row) for row in rows])
        if not codes:
            return query.where(Response.id.is_(None))  # no district asked: nothing matches
        # answers ->> 'district' on PostgreSQL, json_extract(answers, '$."district"') on SQLite
        district = func.coalesce(*[Response.answers[code].as_string() for code in codes]) if len(codes) > 1 \
            else Response.answers[codes[0]].as_string()
        query = query.where(district.in_(response_filter.districts))
    return query


def iter_responses(session: Session, slug: str, response_filter: ResponseFilter | None = None) -> Iterator[ResponseRecord]:
    """Submitted responses of ``slug`` in submission order, fetched in batches. Raises
    UnknownQuestionnaire."""
    rows = _version_rows(session, slug)
    numbers = {row.id: row.number for row in rows}
    query = _filtered(session, slug, select(
        Response.public_id, Response.submitted_at, Response.language, Response.version_id,
        Response.channel, Response.answers, Response.interviewer_entered,
    ), response_filter, rows)
    query = query.order_by(Response.id).execution_options(yield_per=BATCH_SIZE)
    for public_id, submitted_at, language, version_id, channel, answers, interviewer in session.execute(query):
        yield ResponseRecord(public_id, submitted_at, language, numbers[version_id], channel, answers or {},
                             bool(interviewer))


def count_responses(session: Session, slug: str, response_filter: ResponseFilter | None = None) -> int:
    """How many responses ``iter_responses`` gives with the same filter. Raises UnknownQuestionnaire."""
    rows = _version_rows(session, slug)
    return int(session.scalar(_filtered(session, slug, select(func.count(Response.id)), response_filter, rows)) or 0)


def counts_by_version(session: Session, row: QuestionnaireRow) -> dict[int, int]:
    """Version id -> number of responses."""
    return dict(session.execute(
        select(Response.version_id, func.count(Response.id))
        .where(Response.version_id.in_([version.id for version in row.versions]))
        .group_by(Response.version_id)
    ).all())


def response_state(session: Session, slug: str) -> tuple[Any, ...]:
    """Changes whenever a response or a version of ``slug`` is added or deleted: a cache key."""
    responses = session.execute(
        select(func.count(Response.id), func.max(Response.id), func.min(Response.id))
        .join(QuestionnaireVersion).join(QuestionnaireRow).where(QuestionnaireRow.slug == slug)).one()
    versions = session.execute(
        select(func.count(QuestionnaireVersion.id), func.max(QuestionnaireVersion.id))
        .join(QuestionnaireRow).where(QuestionnaireRow.slug == slug)).one()
    return (*responses, *versions)


@dataclass(frozen=True)
class ResponseMarks:
    """What tells one state of a questionnaire's responses and versions from another: how many
    responses, the first and last id with their public ids (SQLite may give a deleted last id to
    the next response; its public id differs), and every version's number and content hash (a
    draft's content changes under the same id). A cache key for results."""

    count: int
    first_id: int | None
    last_id: int | None
    first_public_id: str | None
    last_public_id: str | None
    versions: tuple[tuple[int, str], ...]


def response_marks(session: Session, slug: str) -> ResponseMarks:
    """Raises UnknownQuestionnaire."""
    rows = _version_rows(session, slug)
    ids = [row.id for row in rows]
    count, first, last = session.execute(
        select(func.count(Response.id), func.min(Response.id), func.max(Response.id))
        .where(Response.version_id.in_(ids))).one()
    first_public, last_public = (_public_id(session, first), _public_id(session, last))
    return ResponseMarks(int(count or 0), first, last, first_public, last_public,
                         tuple((row.number, row.content_hash) for row in rows))


def _public_id(session: Session, response_id: int | None) -> str | None:
    if response_id is None:
        return None
    return session.scalar(select(Response.public_id).where(Response.id == response_id))


def marks_up_to(session: Session, slug: str, last_id: int) -> tuple[int, str | None]:
    """(how many responses of ``slug`` have an id up to ``last_id``, the public id of the
    response ``last_id`` if it still exists): whether responses read up to there are all still
    there and none came in between."""
    ids = [row.id for row in _version_rows(session, slug)]
    count = session.scalar(select(func.count(Response.id)).where(Response.version_id.in_(ids), Response.id <= last_id))
    return int(count or 0), _public_id(session, last_id)


def analysis_rows(session: Session, slug: str, after_id: int = 0,
                  up_to_id: int | None = None) -> Iterator[tuple[int, str, str, dt.datetime, Mapping[str, Any]]]:
    """(version number, language, channel, submitted_at, answers) of the submitted responses of
    ``slug`` with ids after ``after_id`` and up to ``up_to_id``, in submission order: only what
    the analysis frame reads. Raises UnknownQuestionnaire."""
    rows = _version_rows(session, slug)
    numbers = {row.id: row.number for row in rows}
    query = select(Response.version_id, Response.language, Response.channel, Response.submitted_at,
                   Response.answers).where(Response.version_id.in_(list(numbers)), Response.id > after_id)
    if up_to_id is not None:
        query = query.where(Response.id <= up_to_id)
    # Through the session's connection: plain rows, without the ORM's work per row (a fifth of
    # the reading at 100,000 responses).
    for version_id, language, channel, submitted_at, answers in session.connection().execute(
            query.order_by(Response.id).execution_options(yield_per=BATCH_SIZE)):
        yield numbers[version_id], language, channel, submitted_at, answers or {}


def channels_used(session: Session, row: QuestionnaireRow) -> set[str]:
    """The channel codes the questionnaire's responses came through."""
    version_ids = select(QuestionnaireVersion.id).where(QuestionnaireVersion.questionnaire_id == row.id)
    return set(session.scalars(select(Response.channel).where(Response.version_id.in_(version_ids)).distinct()))


def delete_responses(session: Session, row: QuestionnaireRow) -> tuple[int, int]:
    """Delete every response and draft of the questionnaire ``row``; (responses, drafts)."""
    version_ids = select(QuestionnaireVersion.id).where(QuestionnaireVersion.questionnaire_id == row.id)
    response_ids = select(Response.id).where(Response.version_id.in_(version_ids))
    # An offer taken from a provider's answers keeps its content but no longer points at them.
    session.execute(update(Offer).where(Offer.source_response_id.in_(response_ids))
                    .values(source_response_id=None).execution_options(synchronize_session=False))
    responses = deleted_rows(session.execute(delete(Response).where(Response.version_id.in_(version_ids))
                                             .execution_options(synchronize_session=False)))
    drafts = deleted_rows(session.execute(delete(Draft).where(Draft.version_id.in_(version_ids))
                                          .execution_options(synchronize_session=False)))
    session.flush()
    return responses, drafts
