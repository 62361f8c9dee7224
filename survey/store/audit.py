"""The audit log of staff actions: who published, edited, exported what, and when."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.store.models import AuditEvent


def record(session: Session, actor: str, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Add an event to the session; it is committed with the change it describes."""
    event = AuditEvent(actor=actor, action=action, target=target[:255], detail=detail)
    session.add(event)
    return event


def recent_events(session: Session, limit: int = 200, offset: int = 0) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)))
