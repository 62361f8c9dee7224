"""Deleting a closed questionnaire's raw answers while its aggregated results stay (DSGVO: keep
no more than needed). The suppressed aggregate CSV is stored as a snapshot first, in the same
transaction, so the results survive exactly when the answers go. Flush only; the caller commits."""
from __future__ import annotations

from sqlalchemy.orm import Session

from survey.store import audit
from survey.store.models import AggregateSnapshot
from survey.store.questionnaires import find_questionnaire
from survey.store.responses import UnknownQuestionnaire, delete_responses
from survey.store.snapshots import add_snapshot


class NotClosed(ValueError):
    """Raw answers are deleted only once a questionnaire takes no more responses."""


def delete_raw_answers(session: Session, slug: str, actor: str, threshold: int) -> AggregateSnapshot:
    """Store the suppressed aggregate, then delete every response and draft of ``slug``.
    Raises UnknownQuestionnaire, or NotClosed for a questionnaire still open."""
    row = find_questionnaire(session, slug)
    if row is None:
        raise UnknownQuestionnaire(slug)
    if row.closed_at is None:
        raise NotClosed(slug)
    from survey.exports.aggregate_export import aggregate_csv  # pandas: loaded when needed

    content, count = aggregate_csv(session, slug, threshold)
    snapshot = add_snapshot(session, row.id, content, count, actor)
    responses, drafts = delete_responses(session, row)
    audit.record(session, actor, "delete-responses", slug, responses=responses, drafts=drafts,
                 snapshot_responses=count, threshold=threshold)
    return snapshot
