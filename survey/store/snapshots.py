"""Aggregate snapshots: the suppressed aggregate of a questionnaire kept when its raw answers are
deleted (survey.exports.retention)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.store.models import AggregateSnapshot
from survey.store.questionnaires import find_questionnaire

AGGREGATE_CSV = "aggregate-csv"


def latest_snapshot(session: Session, slug: str, kind: str = AGGREGATE_CSV) -> AggregateSnapshot | None:
    row = find_questionnaire(session, slug)
    if row is None:
        return None
    return session.scalars(select(AggregateSnapshot).where(
        AggregateSnapshot.questionnaire_id == row.id, AggregateSnapshot.kind == kind)
        .order_by(AggregateSnapshot.created_at.desc(), AggregateSnapshot.id.desc()).limit(1)).first()


def add_snapshot(session: Session, questionnaire_id: int, content: str, responses: int, actor: str,
                 kind: str = AGGREGATE_CSV) -> AggregateSnapshot:
    snapshot = AggregateSnapshot(questionnaire_id=questionnaire_id, kind=kind, content=content,
                                 responses=responses, created_by=actor)
    session.add(snapshot)
    session.flush()
    return snapshot
