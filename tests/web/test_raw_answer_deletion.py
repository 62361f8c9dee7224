"""Deleting a closed questionnaire's raw answers: aggregate kept as a snapshot, audit-logged,
refused while open; draft retention audit-logged."""
from sqlalchemy import func, select

from survey.store.audit import recent_events
from survey.store.models import AggregateSnapshot
from survey.store.questionnaires import find_questionnaire, set_closed
from tests.staff_helpers import logged_in
from tests.store.test_aggregate import store
from tests.store.test_raw_answer_deletion import responses
from tests.unit.test_aggregate import ANSWERS


def test_admin_button_with_confirmation(app, db_session_factory):
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    admin = logged_in(app, db_session_factory, "admin@example.org", "admin", "analyst")
    url = "/staff/q/mini-agg/delete-responses"
    assert admin.post(url, {"confirm": "yes"}).status_code == 409  # still open
    with db_session_factory() as session:
        set_closed(session, find_questionnaire(session, "mini-agg"), True)
        session.commit()
    assert "Delete raw answers" in admin.get(url).get_data(as_text=True)
    assert admin.post(url, {}).status_code == 400  # not confirmed
    response = admin.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    with db_session_factory() as session:
        assert responses(session) == 0
        assert session.scalar(select(func.count(AggregateSnapshot.id))) == 1
    page = admin.get("/staff/q/mini-agg/results").get_data(as_text=True)
    assert "raw answers deleted" in page and "/staff/q/mini-agg/results/snapshot.csv" in page
    csv_text = admin.get("/staff/q/mini-agg/results/snapshot.csv").get_data(as_text=True)
    assert csv_text.startswith('\ufeff"question";') and ";15;" in csv_text
    international = admin.get("/staff/q/mini-agg/results/snapshot.csv?dialect=international").get_data(as_text=True)
    assert international.startswith('"question",') and ",15," in international


def test_analyst_cannot_delete(app, db_session_factory):
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    analyst = logged_in(app, db_session_factory, "ana@example.org", "analyst")
    assert analyst.post("/staff/q/mini-agg/delete-responses", {"confirm": "yes"}).status_code == 403


def test_cli_needs_confirm_and_a_closed_questionnaire(app, db_session_factory):
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    runner = app.test_cli_runner()
    assert "--confirm" in runner.invoke(args=["delete-responses", "mini-agg"]).output
    assert "still open" in runner.invoke(args=["delete-responses", "mini-agg", "--confirm"]).output
    with db_session_factory() as session:
        set_closed(session, find_questionnaire(session, "mini-agg"), True)
        session.commit()
    result = runner.invoke(args=["delete-responses", "mini-agg", "--confirm"])
    assert result.exit_code == 0 and "20 responses" in result.output
    with db_session_factory() as session:
        assert responses(session) == 0


def test_expired_draft_deletion_is_audited(app, db_session_factory):
    result = app.test_cli_runner().invoke(args=["delete-expired-drafts"])
    assert result.exit_code == 0
    with db_session_factory() as session:
        event = next(e for e in recent_events(session) if e.action == "delete-expired-drafts")
        assert event.actor == "cli" and event.detail["retention_days"] == 30
