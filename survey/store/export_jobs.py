"""Export jobs in the database: a row records the request, the progress and the file of an
export built in the background (survey.exports.jobs runs it). Operations flush; the caller (a
request, or the job's runner for its progress) commits."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.store.models import ExportJob
from survey.store.models import Questionnaire as QuestionnaireRow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STALE_AFTER = dt.timedelta(minutes=30)  # longer than any phase without progress (writing a .sav)
KEEP_FOR = dt.timedelta(days=7)
STALE_ERROR = "The export stopped unexpectedly (the server was restarted); please start it again."


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def create_job(session: Session, slug: str, options: Mapping[str, Any], format_name: str, requested_by: str) -> ExportJob:
    """A queued job for the export request ``options`` (flushed, not committed). The caller has
    checked the request and the format."""
    questionnaire_id = session.scalar(select(QuestionnaireRow.id).where(QuestionnaireRow.slug == slug))
    if questionnaire_id is None:
        raise LookupError(slug)
    job = ExportJob(public_id=str(uuid.uuid4()), questionnaire_id=questionnaire_id, requested_by=requested_by,
                    format=format_name, options={**options, "slug": slug}, status=QUEUED,
                    rows_done=0, rows_total=0, created_at=utc_now())
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
    return job.status in (QUEUED, RUNNING) and (now or utc_now()) - heartbeat(job) > STALE_AFTER


def mark_stale(session: Session, job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Report a job whose process died as failed (flushed); True when it was stale."""
    if not is_stale(job, now):
        return False
    job.status = FAILED
    job.error = STALE_ERROR
    job.finished_at = now or utc_now()
    session.flush()
    return True


def is_expired(job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Created more than KEEP_FOR ago: its file is neither listed nor served, and
    ``delete_old_jobs`` (the server's housekeeping, and each new export) deletes it."""
    return _aware(job.created_at) < (now or utc_now()) - KEEP_FOR


def delete_old_jobs(session: Session, export_dir: Path, now: dt.datetime | None = None) -> int:
    """Delete jobs created more than KEEP_FOR ago with their files (flushed); returns how many."""
    cutoff = (now or utc_now()) - KEEP_FOR
    old = session.scalars(select(ExportJob).where(ExportJob.created_at < cutoff)).all()
    for job in old:
        if job.file_name:
            for path in (export_dir / job.file_name, export_dir / (job.file_name + ".part")):
                path.unlink(missing_ok=True)
        session.delete(job)
    session.flush()
    return len(old)


def job_file(job: ExportJob, export_dir: Path, now: dt.datetime | None = None) -> Path | None:
    """The finished file of a done job, when it is still there and not past KEEP_FOR."""
    if job.status != DONE or not job.file_name or "/" in job.file_name or "\\" in job.file_name:
        return None
    if is_expired(job, now):
        return None
    path = export_dir / job.file_name
    return path if path.is_file() else None


def created_at(job: ExportJob) -> dt.datetime:
    return _aware(job.created_at)


def jobs_of(session: Session, questionnaire_id: int, requested_by: str, limit: int = 10) -> list[ExportJob]:
    """The newest jobs one person started for one questionnaire, none past KEEP_FOR."""
    return list(session.scalars(
        select(ExportJob).where(ExportJob.questionnaire_id == questionnaire_id, ExportJob.requested_by == requested_by,
                                ExportJob.created_at >= utc_now() - KEEP_FOR)
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(limit)))


def update_job(session: Session, public_id: str, **values: Any) -> None:
    """Set ``values`` on the job and its heartbeat to now (flushed)."""
    job = find_job(session, public_id)
    if job is None:
        return
    for name, value in values.items():
        setattr(job, name, value)
    job.options = {**job.options, "heartbeat": utc_now().isoformat()}  # a new dict: JSON change seen
    session.flush()
