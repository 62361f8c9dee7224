"""The server's own periodic work: what is past its retention is deleted without a cron job or a
process of its own, by whichever worker happens to serve a request.

- Drafts not saved for ``SURVEY_DRAFT_RETENTION_DAYS``,
- contact requests handled ``SURVEY_CONTACT_RETENTION_DAYS`` ago or more,
- background export jobs and their files older than seven days (survey.store.export_jobs).

When: at most once per ``SURVEY_HOUSEKEEPING_INTERVAL`` seconds (default 300; 0 turns it off, for
an installation that runs the ``survey delete-*`` commands itself), across every worker and host
sharing the database. A worker asks the database only when its own interval has passed (no query
on other requests); the database then gives the task to exactly one of them
(survey.store.housekeeping.claim). The work runs when the response has been sent
(``call_on_close``, which the WSGI server calls after the last byte), so nobody waits for it; it
commits the claim at once and its deletions in one transaction of its own, and a failure is
logged and never reaches the request. Nothing can be read past its retention in between: the
reads themselves leave such rows out (survey.store.drafts, contact_requests, export_jobs).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response

from survey.store import audit, contact_requests, drafts, export_jobs, housekeeping
from survey.store.db import Database, writes_expected
from survey.web.config import SettingError

log = logging.getLogger(__name__)

TASK = "retention"
EXTENSION = "survey.housekeeping"


@dataclass(frozen=True)
class Retention:
    """What the work needs of the settings, read while the request still had its app."""

    interval_seconds: int
    draft_days: int
    contact_days: int
    export_dir: Path


@dataclass(frozen=True)
class Deleted:
    drafts: int
    contact_requests: int
    export_jobs: int


class LocalClock:
    """When this process next asks the database whether the work is due (monotonic seconds)."""

    def __init__(self) -> None:
        self.next_check = 0.0
        self.lock = threading.Lock()

    def due(self, interval_seconds: int) -> bool:
        now = time.monotonic()
        with self.lock:
            if now < self.next_check:
                return False
            self.next_check = now + interval_seconds
            return True


def register(app: Flask) -> None:
    """Check SURVEY_HOUSEKEEPING_INTERVAL once (a SettingError stops the start) and run the work
    after responses."""
    value = app.config.get("HOUSEKEEPING_INTERVAL", 300)
    try:
        app.config["HOUSEKEEPING_INTERVAL"] = max(0, int(value))
    except (TypeError, ValueError):
        raise SettingError(f"SURVEY_HOUSEKEEPING_INTERVAL must be a whole number of seconds (0: off), not {value!r}") from None
    app.extensions[EXTENSION] = LocalClock()
    app.after_request(_schedule)


def _schedule(response: Response) -> Response:
    try:
        interval = int(current_app.config["HOUSEKEEPING_INTERVAL"])
        if interval <= 0 or not current_app.extensions[EXTENSION].due(interval):
            return response
        settings = Retention(interval, int(current_app.config["DRAFT_RETENTION_DAYS"]),
                             int(current_app.config["CONTACT_RETENTION_DAYS"]), Path(current_app.config["EXPORT_DIR"]))
        database: Database = current_app.extensions["survey.db"]
        factory = database.session_factory
    except Exception:  # a broken setting costs the clean-up, never the page
        log.exception("housekeeping could not be scheduled")
        return response
    response.call_on_close(lambda: run(factory, settings))
    return response


def run(factory: sessionmaker[Session], settings: Retention) -> Deleted | None:
    """Do the work if it is due and no other process has it; None when it was not this process's
    turn (or it failed: logged, never raised)."""
    marker = writes_expected.set(True)  # SQLite: BEGIN IMMEDIATE, as for any request that writes
    try:
        with factory() as session:
            claimed = housekeeping.claim(session, TASK, settings.interval_seconds)
            session.commit()
        if not claimed:
            return None
        with factory() as session:
            deleted = Deleted(
                drafts.delete_expired_drafts(session, settings.draft_days),
                contact_requests.delete_handled(session, settings.contact_days),
                export_jobs.delete_old_jobs(session, settings.export_dir),
            )
            if deleted.drafts or deleted.contact_requests or deleted.export_jobs:
                audit.record(session, "housekeeping", "delete-expired", "", drafts=deleted.drafts,
                             contact_requests=deleted.contact_requests, export_jobs=deleted.export_jobs,
                             draft_retention_days=settings.draft_days, contact_retention_days=settings.contact_days)
            session.commit()
        if deleted.drafts or deleted.contact_requests or deleted.export_jobs:
            log.info("housekeeping deleted %d expired drafts, %d handled contact requests, %d export jobs",
                     deleted.drafts, deleted.contact_requests, deleted.export_jobs)
        return deleted
    except Exception:  # the response is sent already; the next interval tries again
        log.exception("housekeeping failed; it is tried again after SURVEY_HOUSEKEEPING_INTERVAL seconds")
        return None
    finally:
        writes_expected.reset(marker)
