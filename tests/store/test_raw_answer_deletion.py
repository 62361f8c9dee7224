"""Deleting a closed questionnaire's raw answers: aggregate kept as a snapshot, audit-logged,
refused while open; draft retention audit-logged."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from survey.exports.retention import NotClosed, delete_raw_answers
from survey.store.audit import recent_events
from survey.store.models import Draft, Response
from survey.store.questionnaires import find_questionnaire, set_closed
from survey.store.snapshots import latest_snapshot
from tests.store.test_aggregate import store
from tests.unit.test_aggregate import ANSWERS


def responses(session):
    return session.scalar(select(func.count(Response.id)))


def add_draft(session):
    from survey.store.responses import _version_rows
    session.add(Draft(token_hash="t" * 64, resume_code_hash="r" * 64, version_id=_version_rows(session, "mini-agg")[0].id,
                      language="de", answers={}, started_on=dt.date.today(), last_saved_on=dt.date.today()))
    session.flush()


def test_open_questionnaire_is_refused(db):
    store(db, ANSWERS)
    with pytest.raises(NotClosed):
        delete_raw_answers(db, "mini-agg", "admin@example.org", 5)
    assert responses(db) == 20


def test_closed_questionnaire_keeps_the_aggregate(db):
    store(db, ANSWERS)
    add_draft(db)
    set_closed(db, find_questionnaire(db, "mini-agg"), True)
    snapshot = delete_raw_answers(db, "mini-agg", "admin@example.org", 5)
    assert responses(db) == 0 and db.scalar(select(func.count(Draft.id))) == 0
    assert snapshot.kind == "aggregate-csv" and snapshot.responses == 20
    assert '"problems","multiple_choice","housing","housing","mould","overall","all",20,15,0.75' in snapshot.content
    assert ',".",' in snapshot.content
    assert latest_snapshot(db, "mini-agg").id == snapshot.id
    event = next(e for e in recent_events(db) if e.action == "delete-responses")
    assert event.target == "mini-agg" and event.detail["responses"] == 20 and event.detail["drafts"] == 1
