"""Deleting a closed questionnaire's raw answers while its aggregated results stay (DSGVO:
keep no more than needed). The suppressed aggregate CSV is stored as an AggregateSnapshot first,
in the same transaction, so the results survive exactly when the answers go. Flush only; the
caller commits. No Flask."""
from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from survey.store import audit
from survey.store.models import AggregateSnapshot, Draft, Offer, QuestionnaireVersion, Response
from survey.store.questionnaires import find_questionnaire

SNAPSHOT_KIND = "aggregate-csv"


class NotClosed(ValueError):
    """Raw answers are deleted only once a questionnaire takes no more responses."""


class UnknownSlug(LookupError):
    pass


def latest_snapshot(session: Session, slug: str, kind: str = SNAPSHOT_KIND) -> AggregateSnapshot | None:
    row = find_questionnaire(session, slug)
    if row is None:
        return None
    return session.scalars(select(AggregateSnapshot).where(
        AggregateSnapshot.questionnaire_id == row.id, AggregateSnapshot.kind == kind)
        .order_by(AggregateSnapshot.created_at.desc(), AggregateSnapshot.id.desc()).limit(1)).first()


def delete_raw_answers(session: Session, slug: str, actor: str, threshold: int) -> AggregateSnapshot:
    """Store the suppressed aggregate, then delete every response and draft of ``slug``.
    Raises UnknownSlug, or NotClosed for a questionnaire still open."""
    row = find_questionnaire(session, slug)
    if row is None:
        raise UnknownSlug(slug)
    if row.closed_at is None:
        raise NotClosed(slug)
    from survey.exports.aggregate_export import aggregate_csv  # pandas: loaded when needed

    content, count = aggregate_csv(session, slug, threshold)
    snapshot = AggregateSnapshot(questionnaire_id=row.id, kind=SNAPSHOT_KIND, content=content,
                                 responses=count, created_by=actor)
    session.add(snapshot)
    version_ids = select(QuestionnaireVersion.id).where(QuestionnaireVersion.questionnaire_id == row.id)
    response_ids = select(Response.id).where(Response.version_id.in_(version_ids))
    # An offer taken from a provider's answers keeps its content but no longer points at them.
    session.execute(update(Offer).where(Offer.source_response_id.in_(response_ids))
                    .values(source_response_id=None).execution_options(synchronize_session=False))
    responses = session.execute(delete(Response).where(Response.version_id.in_(version_ids))
                                .execution_options(synchronize_session=False)).rowcount or 0
    drafts = session.execute(delete(Draft).where(Draft.version_id.in_(version_ids))
                             .execution_options(synchronize_session=False)).rowcount or 0
    session.flush()
    audit.record(session, actor, "delete-responses", slug, responses=responses, drafts=drafts,
                 snapshot_responses=count, threshold=threshold)
    return snapshot


def response_count(session: Session, slug: str) -> int:
    row = find_questionnaire(session, slug)
    if row is None:
        return 0
    return int(session.scalar(select(func.count(Response.id)).join(QuestionnaireVersion)
                              .where(QuestionnaireVersion.questionnaire_id == row.id)) or 0)
