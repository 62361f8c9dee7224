"""One commit per request: the view's work is committed once it returned, rolled back when it
raised, and what waits for the commit (a background job) runs only after it (survey.app)."""
from __future__ import annotations

from sqlalchemy import select

from survey.store import audit
from survey.store.models import AuditEvent
from survey.web import request_db


def _events(db_session_factory, action: str) -> list[AuditEvent]:
    with db_session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_view_that_returns_is_committed_and_one_that_raises_is_not(fresh_app, db_session_factory):
    app = fresh_app  # it registers routes of its own
    order: list[str] = []

    @app.get("/_writes")
    def writes() -> str:
        audit.record(request_db.get_db(), "test", "returned")
        request_db.after_commit(lambda: order.append("after commit"))
        order.append("view")
        return "ok"

    @app.get("/_raises")
    def raises() -> str:
        audit.record(request_db.get_db(), "test", "raised")
        request_db.after_commit(lambda: order.append("never"))
        raise RuntimeError("the view failed after writing")

    client = app.test_client()
    assert client.get("/_writes").status_code == 200
    assert order == ["view", "after commit"]
    assert len(_events(db_session_factory, "returned")) == 1
    assert client.get("/_raises").status_code == 500
    assert _events(db_session_factory, "raised") == [] and "never" not in order
