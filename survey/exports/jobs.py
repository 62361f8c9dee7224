"""Exports built in the background (no Flask): a job row records the request, the progress and
the file, so a large Excel or SPSS export never blocks a web worker and survives page reloads.

Life of a job: ``create_job`` (queued) -> ``run_job`` in a daemon thread with its own database
sessions (running; ``rows_done``/``rows_total`` and a heartbeat committed every few thousand rows)
-> done (the file is in the export folder under a random name) or failed (``error``). A job whose
process died (a restarted worker) stops sending heartbeats; after ``STALE_AFTER`` it is reported
as failed. Jobs and their files older than ``KEEP_FOR`` are deleted when a new job is created.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from survey.exports.formats import FORMATS, get_format
from survey.exports.request import ExportRequest, prepare
from survey.store.models import ExportJob
from survey.store.models import Questionnaire as QuestionnaireRow

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STALE_AFTER = dt.timedelta(minutes=30)  # longer than any phase without progress (writing a .sav)
KEEP_FOR = dt.timedelta(days=7)
COMMIT_EVERY_ROWS = 5000
COMMIT_EVERY_SECONDS = 5.0
STALE_ERROR = "The export stopped unexpectedly (the server was restarted); please start it again."


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def create_job(session: Session, request: ExportRequest, format_name: str, requested_by: str) -> ExportJob:
    """A queued job (flushed, not committed). The caller has checked the request (``prepare``)."""
    get_format(format_name)  # raises UnknownFormat
    questionnaire_id = session.scalar(select(QuestionnaireRow.id).where(QuestionnaireRow.slug == request.slug))
    if questionnaire_id is None:
        raise LookupError(request.slug)
    job = ExportJob(public_id=str(uuid.uuid4()), questionnaire_id=questionnaire_id, requested_by=requested_by,
                    format=format_name, options={**request.to_options(), "slug": request.slug}, status=QUEUED,
                    rows_done=0, rows_total=0, created_at=_now())
    session.add(job)
    session.flush()
    return job


def find_job(session: Session, public_id: str) -> ExportJob | None:
    return session.scalar(select(ExportJob).where(ExportJob.public_id == public_id))


def heartbeat(job: ExportJob) -> dt.datetime:
    beat = job.options.get("heartbeat") if isinstance(job.options, dict) else None
    if beat:
        try:
            return _aware(dt.datetime.fromisoformat(beat))
        except ValueError:
            pass
    return _aware(job.created_at)


def is_stale(job: ExportJob, now: dt.datetime | None = None) -> bool:
    return job.status in (QUEUED, RUNNING) and (now or _now()) - heartbeat(job) > STALE_AFTER


def mark_stale(session: Session, job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Report a job whose process died as failed (flushed); True when it was stale."""
    if not is_stale(job, now):
        return False
    job.status = FAILED
    job.error = STALE_ERROR
    job.finished_at = now or _now()
    session.flush()
    return True


def delete_old_jobs(session: Session, export_dir: Path, now: dt.datetime | None = None) -> int:
    """Delete jobs created more than KEEP_FOR ago with their files (flushed); returns how many."""
    cutoff = (now or _now()) - KEEP_FOR
    old = session.scalars(select(ExportJob).where(ExportJob.created_at < cutoff)).all()
    for job in old:
        if job.file_name:
            for path in (export_dir / job.file_name, export_dir / (job.file_name + ".part")):
                path.unlink(missing_ok=True)
        session.delete(job)
    session.flush()
    return len(old)


def job_file(job: ExportJob, export_dir: Path) -> Path | None:
    """The finished file of a done job, when it is still there."""
    if job.status != DONE or not job.file_name or "/" in job.file_name or "\\" in job.file_name:
        return None
    path = export_dir / job.file_name
    return path if path.is_file() else None


def download_name(job: ExportJob) -> str:
    slug = str(job.options.get("slug") or "export")
    return f"{slug}-{_aware(job.created_at):%Y%m%d-%H%M}-{job.format}.{get_format(job.format).extension}"


def _update(factory: sessionmaker[Session], public_id: str, **values: Any) -> None:
    with factory() as session:
        job = find_job(session, public_id)
        if job is None:
            return
        for name, value in values.items():
            setattr(job, name, value)
        job.options = {**job.options, "heartbeat": _now().isoformat()}  # a new dict: JSON change seen
        session.commit()


def run_job(factory: sessionmaker[Session], public_id: str, export_dir: Path) -> None:
    """Build the export of a queued job. Never raises: a failure is recorded on the job."""
    with factory() as session:
        job = find_job(session, public_id)
        if job is None or job.status != QUEUED:
            return
        format_name, options = job.format, dict(job.options)
    _update(factory, public_id, status=RUNNING)
    file_name = f"{secrets.token_urlsafe(18)}.{FORMATS[format_name].extension if format_name in FORMATS else 'bin'}"
    partial = export_dir / (file_name + ".part")
    last = {"rows": 0, "time": time.monotonic()}

    def progress(done: int, total: int) -> None:
        if done - last["rows"] >= COMMIT_EVERY_ROWS or time.monotonic() - last["time"] >= COMMIT_EVERY_SECONDS:
            last["rows"], last["time"] = done, time.monotonic()
            _update(factory, public_id, rows_done=done, rows_total=total)

    try:
        export_format = get_format(format_name)
        export_dir.mkdir(parents=True, exist_ok=True)
        request = ExportRequest.from_options(str(options["slug"]), options)
        with factory() as session:
            prepared = prepare(session, request)
            _update(factory, public_id, rows_total=prepared.total)
            count = export_format.write(prepared, partial, progress)
        partial.replace(export_dir / file_name)  # never a half-written file under the final name
        _update(factory, public_id, status=DONE, rows_done=count, rows_total=count, file_name=file_name,
                finished_at=_now())
    except Exception as error:  # recorded for the analyst, logged for the operator
        log.exception("export job %s failed", public_id)
        partial.unlink(missing_ok=True)
        try:
            _update(factory, public_id, status=FAILED, error=f"{type(error).__name__}: {error}"[:1000],
                    finished_at=_now())
        except Exception:  # the database itself is gone: the stale check reports the job later
            log.exception("could not record the failure of export job %s", public_id)


def start_in_background(factory: sessionmaker[Session], public_id: str, export_dir: Path) -> threading.Thread:
    """Run the job in a daemon thread; it opens its own sessions from ``factory``."""
    thread = threading.Thread(target=run_job, args=(factory, public_id, export_dir), name=f"export-{public_id[:8]}",
                              daemon=True)
    thread.start()
    return thread


JobStarter = Callable[[sessionmaker[Session], str, Path], Any]
