"""The server's periodic clean-up (survey.web.housekeeping) on SQLite and PostgreSQL: of any
number of workers and hosts, exactly one takes the work per interval; and what is past its
retention is shown nowhere even before the clean-up ran."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from survey.store import contact_requests, export_jobs, housekeeping
from survey.store.models import ContactRequest, HousekeepingRun, QuestionnaireVersion

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def test_a_task_is_claimed_once_per_interval(db):
    task = f"test-{uuid.uuid4().hex[:8]}"
    assert housekeeping.claim(db, task, 300, NOW) is True  # never ran: the first claim inserts the row
    assert housekeeping.claim(db, task, 300, NOW) is False
    assert housekeeping.claim(db, task, 300, NOW + dt.timedelta(seconds=299)) is False
    assert housekeeping.claim(db, task, 300, NOW + dt.timedelta(seconds=300)) is True
    db.commit()
    assert housekeeping.last_run(db, task).replace(tzinfo=dt.UTC) == NOW + dt.timedelta(seconds=300)
    assert housekeeping.claim(db, task, 300, NOW + dt.timedelta(seconds=500)) is False


@pytest.mark.parametrize("existing", [False, True], ids=["first-run", "later-run"])
def test_of_sessions_racing_for_the_task_exactly_one_gets_it(engine: Engine, existing: bool):
    """Eight connections of their own (as eight workers on several hosts would have), released at
    once: one claim succeeds, seven find the task taken, whether the row exists yet or not."""
    task = f"race-{uuid.uuid4().hex[:8]}"
    if existing:
        with Session(engine) as session:
            session.add(HousekeepingRun(task=task, last_run=NOW - dt.timedelta(hours=1)))
            session.commit()
    workers = 8
    barrier = threading.Barrier(workers)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Session(engine) as session:
                session.connection()  # connected before the start, so all claim at once
                barrier.wait(timeout=30)
                claimed = housekeeping.claim(session, task, 300, NOW)
                session.commit()
            results.append(claimed)
        except BaseException as error:  # reported below: a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert sorted(results) == [False] * (workers - 1) + [True]
    finally:
        with Session(engine) as session:
            session.execute(delete(HousekeepingRun).where(HousekeepingRun.task == task))
            session.commit()


def test_handled_contact_requests_past_retention_are_shown_nowhere_before_their_deletion(db):
    today = dt.date(2026, 12, 7)
    ids = {}
    for name, handled in (("open", None), ("recent", today - dt.timedelta(days=89)),
                          ("due", today - dt.timedelta(days=90)), ("old", today - dt.timedelta(days=400))):
        request = ContactRequest(week_of=dt.date(2026, 1, 5), name=name, phone="01511234", language="de", handled_on=handled)
        db.add(request)
        db.flush()
        ids[name] = request.id
    assert [r.name for r in contact_requests.handled_requests(db, 90, today)] == ["recent"]
    assert [r.name for r in contact_requests.open_requests(db)] == ["open"]
    for name in ("open", "recent"):
        assert contact_requests.find_request(db, ids[name], 90, today) is not None
    for name in ("due", "old"):
        assert contact_requests.find_request(db, ids[name], 90, today) is None
    assert db.scalar(select(ContactRequest).where(ContactRequest.name == "old")) is not None  # not deleted yet
    assert contact_requests.delete_handled(db, 90, today) == 2


def test_an_export_file_past_its_retention_is_neither_listed_nor_served(db, bundled, tmp_path):
    version = db.scalar(select(QuestionnaireVersion).limit(1))
    jobs = []
    for age_days in (1, 8):
        job = export_jobs.create_job(db, version.questionnaire.slug, {}, "xlsx", "a@musterstadt.example")
        job.status, job.file_name = export_jobs.DONE, f"{job.public_id}.xlsx"
        job.created_at = export_jobs.utc_now() - dt.timedelta(days=age_days)
        (tmp_path / job.file_name).write_bytes(b"PK")
        jobs.append(job)
    db.flush()
    fresh, old = jobs
    assert export_jobs.job_file(fresh, tmp_path) == tmp_path / fresh.file_name
    assert export_jobs.job_file(old, tmp_path) is None  # the file is still on disk, but not served
    assert (tmp_path / old.file_name).exists()
    listed = export_jobs.jobs_of(db, version.questionnaire_id, "a@musterstadt.example")
    assert [job.public_id for job in listed] == [fresh.public_id]
    assert export_jobs.delete_old_jobs(db, tmp_path) == 1
    assert not (tmp_path / old.file_name).exists() and (tmp_path / fresh.file_name).exists()
