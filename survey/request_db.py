"""The database session of the current request (opened on first use, closed on teardown)."""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from survey.db import Database


def get_db() -> Session:
    if "db_session" not in g:
        database: Database = current_app.extensions["survey.db"]
        g.db_session = database.session_factory()
    return g.db_session
