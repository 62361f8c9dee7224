"""Exports built in the background (no Flask), so a large Excel or SPSS export never blocks a web
worker and survives page reloads. The job's row is in survey.store.export_jobs.

Life of a job: ``create_job`` (queued) -> ``run_job`` in a daemon thread with its own database
sessions (running; ``rows_done``/``rows_total`` and a heartbeat committed every few thousand rows:
the runner is the one place that commits for a job) -> done (the file is in the export folder
under a random name) or failed (``error``). A job whose process died (a restarted worker) stops
sending heartbeats; after ``STALE_AFTER`` it is reported as failed. Jobs and their files older
than ``KEEP_FOR`` are deleted when a new job is created.
"""
from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from survey.exports.formats import FORMATS, get_format
from survey.exports.request import ExportRequest, prepare
from survey.store import export_jobs
from survey.store.models import ExportJob

log = logging.getLogger(__name__)

COMMIT_EVERY_ROWS = 5000
COMMIT_EVERY_SECONDS = 5.0


def create_job(session: Session, request: ExportRequest, format_name: str, requested_by: str) -> ExportJob:
    """A queued job (flushed, not committed). The caller has checked the request (``prepare``)."""
    get_format(format_name)  # raises UnknownFormat
    return export_jobs.create_job(session, request.slug, request.to_options(), format_name, requested_by)


def download_name(job: ExportJob) -> str:
    slug = str(job.options.get("slug") or "export")
    return f"{slug}-{export_jobs.created_at(job):%Y%m%d-%H%M}-{job.format}.{get_format(job.format).extension}"


def _update(factory: sessionmaker[Session], public_id: str, **values: Any) -> None:
    with factory() as session:
        export_jobs.update_job(session, public_id, **values)
        session.commit()


def run_job(factory: sessionmaker[Session], public_id: str, export_dir: Path) -> None:
    """Build the export of a queued job. Never raises: a failure is recorded on the job."""
    with factory() as session:
        job = export_jobs.find_job(session, public_id)
        if job is None or job.status != export_jobs.QUEUED:
            return
        format_name, options = job.format, dict(job.options)
    _update(factory, public_id, status=export_jobs.RUNNING)
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
        _update(factory, public_id, status=export_jobs.DONE, rows_done=count, rows_total=count, file_name=file_name,
                finished_at=export_jobs.utc_now())
    except Exception as error:  # recorded for the analyst, logged for the operator
        log.exception("export job %s failed", public_id)
        partial.unlink(missing_ok=True)
        try:
            _update(factory, public_id, status=export_jobs.FAILED, error=f"{type(error).__name__}: {error}"[:1000],
                    finished_at=export_jobs.utc_now())
        except Exception:  # the database itself is gone: the stale check reports the job later
            log.exception("could not record the failure of export job %s", public_id)


def start_in_process(database_url: str, public_id: str, export_dir: Path) -> subprocess.Popen[bytes]:
    """Run the job in a process of its own (the default in production): it uses a core of its
    own, never holds up the requests of the web worker that started it, and goes on when that
    worker is restarted. The database address travels in the environment, never on a command
    line (where ``ps`` would show a password)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "survey.exports.jobs", public_id, str(export_dir)],
        env={**os.environ, "SURVEY_DATABASE_URL": database_url}, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    threading.Thread(target=process.wait, name=f"reap-export-{public_id[:8]}", daemon=True).start()
    return process


def start_in_background(factory: sessionmaker[Session], public_id: str, export_dir: Path) -> threading.Thread:
    """Run the job in a daemon thread of this process; it opens its own sessions from
    ``factory`` (tests, whose sessions live inside one transaction)."""
    thread = threading.Thread(target=run_job, args=(factory, public_id, export_dir), name=f"export-{public_id[:8]}",
                              daemon=True)
    thread.start()
    return thread


JobStarter = Callable[[sessionmaker[Session], str, Path], Any]


if __name__ == "__main__":  # start_in_process: python -m survey.exports.jobs PUBLIC_ID EXPORT_DIR
    from survey.store.db import Database

    logging.basicConfig(level=logging.INFO)
    run_job(Database.from_url(os.environ["SURVEY_DATABASE_URL"]).session_factory, sys.argv[1], Path(sys.argv[2]))
