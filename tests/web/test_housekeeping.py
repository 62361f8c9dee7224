"""The running server deletes what is past its retention itself (survey/web/housekeeping.py):
after a response was sent, at most once per interval across app instances, and a failure never
reaches the request. No cron job, no process of its own."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from survey.app import create_app
from survey.store import drafts, export_jobs
from survey.store.models import AuditEvent, ContactRequest, Draft, ExportJob, HousekeepingRun, QuestionnaireVersion
from survey.web import housekeeping
from tests.web.conftest import _new_app

SLUG = "needs-assessment"


@pytest.fixture()
def due_app(app: Flask, bundled: None) -> Flask:
    """The shared app with the clean-up on (the suite turns it off) and this process's own
    interval over, as when a worker has not looked for five minutes."""
    app.config["HOUSEKEEPING_INTERVAL"] = 300
    app.extensions[housekeeping.EXTENSION].next_check = 0.0
    return app


def _past_retention(session: Session, export_dir: Path) -> Path:
    """An expired draft, a contact request handled long ago and an eight-day-old export file."""
    version = session.scalar(select(QuestionnaireVersion).limit(1))
    drafts.start_draft(session, version, "ar", answers={"district": "mitte"})
    session.execute(update(Draft).values(last_saved_on=drafts.today() - dt.timedelta(days=45)))
    session.add(ContactRequest(week_of=dt.date(2026, 1, 5), name="Amal", phone="01511234", language="ar",
                               handled_on=dt.date.today() - dt.timedelta(days=120), handled_by="c@musterstadt.example"))
    job = export_jobs.create_job(session, SLUG, {}, "xlsx", "a@musterstadt.example")
    job.status, job.file_name = export_jobs.DONE, "old-export.xlsx"
    job.created_at = export_jobs.utc_now() - dt.timedelta(days=8)
    export_dir.mkdir(parents=True, exist_ok=True)
    (export_dir / job.file_name).write_bytes(b"PK")
    session.commit()
    return export_dir / job.file_name


def _left(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (session.scalar(select(func.count(Draft.id))) or 0, session.scalar(select(func.count(ContactRequest.id))) or 0,
            session.scalar(select(func.count(ExportJob.id))) or 0)


def test_a_request_cleans_up_after_its_response_when_the_interval_has_passed(due_app, db):
    export_file = _past_retention(db, Path(due_app.config["EXPORT_DIR"]))
    response = due_app.test_client().get(f"/s/{SLUG}/")
    assert response.status_code == 200
    assert _left(db) == (1, 1, 1)  # the response is complete, and nothing was deleted while it was made
    response.close()  # what the WSGI server does after the last byte is sent
    assert _left(db) == (0, 0, 0) and not export_file.exists()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "delete-expired")).one()
    assert event.actor == "housekeeping" and event.detail["drafts"] == 1
    assert event.detail["contact_requests"] == 1 and event.detail["export_jobs"] == 1


def test_no_clean_up_when_another_worker_did_it_within_the_interval(due_app, db):
    _past_retention(db, Path(due_app.config["EXPORT_DIR"]))
    db.add(HousekeepingRun(task=housekeeping.TASK, last_run=export_jobs.utc_now() - dt.timedelta(seconds=200)))
    db.commit()
    due_app.test_client().get(f"/s/{SLUG}/").close()
    assert _left(db) == (1, 1, 1)
    db.execute(update(HousekeepingRun).values(last_run=export_jobs.utc_now() - dt.timedelta(seconds=301)))
    db.commit()
    # This worker looked a moment ago: it does not ask the database again within its interval ...
    due_app.test_client().get(f"/s/{SLUG}/").close()
    assert _left(db) == (1, 1, 1)
    # ... and does the work once its own interval is over too.
    due_app.extensions[housekeeping.EXTENSION].next_check = 0.0
    due_app.test_client().get(f"/s/{SLUG}/").close()
    assert _left(db) == (0, 0, 0)


def test_of_two_app_instances_only_the_first_does_the_work_in_an_interval(
        engine, db_session_factory: sessionmaker[Session], db, bundled, tmp_path):
    """Two workers (or hosts) on one database, each with its own interval over: the first request
    cleans up, the other's right after finds the task taken."""
    apps = []
    for name in ("one", "two"):
        instance = _new_app(engine, tmp_path / name)
        instance.extensions["survey.db"].session_factory = db_session_factory
        instance.config.update(HOUSEKEEPING_INTERVAL=300, EXPORT_DIR=str(tmp_path / "exports"))
        apps.append(instance)
    first, second = apps
    _past_retention(db, tmp_path / "exports")
    first.test_client().get(f"/s/{SLUG}/").close()
    assert _left(db) == (0, 0, 0)
    _past_retention(db, tmp_path / "exports")  # expired again, a moment later
    second.test_client().get(f"/s/{SLUG}/").close()
    assert _left(db) == (1, 1, 1)
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "delete-expired")) == 1


def test_a_failing_clean_up_does_not_fail_the_request(due_app, db, monkeypatch, caplog):
    _past_retention(db, Path(due_app.config["EXPORT_DIR"]))

    def broken(_session, _days):
        raise RuntimeError("disk full")

    monkeypatch.setattr(drafts, "delete_expired_drafts", broken)
    caplog.set_level(logging.ERROR, logger="survey.web.housekeeping")
    response = due_app.test_client().get(f"/s/{SLUG}/")
    response.close()  # raises nothing
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)
    assert "housekeeping failed" in caplog.text and "disk full" in caplog.text
    assert _left(db) == (1, 1, 1)  # nothing half done


def test_a_database_error_while_claiming_does_not_fail_the_request(due_app, db, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from survey.store import housekeeping as store_housekeeping

    def locked(*_args, **_kwargs):
        raise OperationalError("UPDATE housekeeping", {}, Exception("database is locked"))

    monkeypatch.setattr(store_housekeeping, "claim", locked)
    caplog.set_level(logging.ERROR, logger="survey.web.housekeeping")
    response = due_app.test_client().get(f"/s/{SLUG}/")
    response.close()
    assert response.status_code == 200 and "housekeeping failed" in caplog.text


def test_an_interval_of_zero_turns_it_off(due_app, db):
    due_app.config["HOUSEKEEPING_INTERVAL"] = 0
    _past_retention(db, Path(due_app.config["EXPORT_DIR"]))
    due_app.test_client().get(f"/s/{SLUG}/").close()
    assert _left(db) == (1, 1, 1)


def test_an_interval_that_is_no_number_stops_the_start_with_a_clear_message(tmp_path, monkeypatch):
    from survey.web.config import SettingError

    monkeypatch.setenv("SURVEY_HOUSEKEEPING_INTERVAL", '"5m"')
    with pytest.raises(SettingError, match="SURVEY_HOUSEKEEPING_INTERVAL must be a whole number of seconds"):
        create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    monkeypatch.setenv("SURVEY_HOUSEKEEPING_INTERVAL", "60")
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    assert app.config["HOUSEKEEPING_INTERVAL"] == 60
