"""The database session of the current request: opened on first use, committed once after the
view returned (survey.app.SurveyApp.dispatch_request, like Indico's ``RH.process``), discarded
when the view raised, closed on teardown. Views and the operations they call only flush."""
from __future__ import annotations

import contextlib
from collections.abc import Callable

from flask import current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from survey.store.db import Database, writes_expected
from survey.web.errors import DATABASE_UNAVAILABLE


def get_db() -> Session:
    if "db_session" not in g:
        database: Database = current_app.extensions["survey.db"]
        # Set for every request (threads serve many), reset when the session closes.
        writes_expected.set(has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"))
        g.db_session = database.session_factory()
    return g.db_session


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the request's work is committed (e.g. start a background export
    whose job row must be visible to its thread)."""
    g.setdefault("after_commit", []).append(callback)


def commit() -> None:
    """Make the request's work durable. Called by the app after the view returned, and by the
    rate limiter (survey.web.limits), whose hit must count at once even if the step then fails."""
    session = g.get("db_session")
    if session is not None:
        session.commit()
    for callback in g.pop("after_commit", []):
        callback()


def end_read() -> None:
    """End the request's transaction before slow work (a password hash): nothing was written
    since the last commit, and no database lock may wait for Argon2."""
    session = g.get("db_session")
    if session is None:
        return
    assert not (session.new or session.dirty or session.deleted), "end_read() with unsaved changes"
    session.rollback()


def discard() -> None:
    """Drop the request's unsaved work: a view that answers with an error page after it wrote
    something. A connection already gone cannot fail the page that says so."""
    session = g.get("db_session")
    g.pop("after_commit", None)
    if session is None:
        return
    with contextlib.suppress(*DATABASE_UNAVAILABLE):
        session.rollback()


def close_db() -> None:
    session = g.pop("db_session", None)
    g.pop("after_commit", None)
    if session is not None:
        session.close()
    writes_expected.set(False)
