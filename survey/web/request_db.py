"""The database session of the current request (opened on first use, closed on teardown)."""
from __future__ import annotations

from flask import current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from survey.store.db import Database, writes_expected


def get_db() -> Session:
    if "db_session" not in g:
        database: Database = current_app.extensions["survey.db"]
        # Set for every request (threads serve many), reset when the session closes.
        writes_expected.set(has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"))
        g.db_session = database.session_factory()
    return g.db_session


def close_db() -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
    writes_expected.set(False)
