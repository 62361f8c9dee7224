"""Friendly error pages in the visitor's language: never a stack trace."""
from __future__ import annotations

import logging
from typing import Any, Protocol

from flask import Flask, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Errors that mean "the database is unavailable or locked just now", not "the request is wrong":
# SQLite's busy timeout ran out, PostgreSQL is restarting or unreachable, the pool is exhausted.
# The respondent views catch these around their saves to re-render the page with its answers.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 10


def is_database_unavailable(error: BaseException) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE) or bool(getattr(error, "connection_invalidated", False))


def _page(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("error.html", title=title, message=message), status


class WorkspacePages(Protocol):
    """Error pages of their own for a part of the site (the staff workspace: its language, its
    layout), handed in by survey.app, so this module knows no blueprint."""

    def is_own_request(self) -> bool: ...
    def too_large(self) -> tuple[str, int]: ...
    def database_unavailable(self) -> tuple[str, int]: ...


def register(app: Flask, staff_pages: WorkspacePages) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return _page(
            gettext("Your page had expired"),
            gettext("For your safety the form could not be sent. Your answers from earlier pages are saved. Please go back, reload the "
                    "page and send it again."),
            400,
        )

    @app.errorhandler(404)
    def not_found(_error: HTTPException) -> tuple[str, int]:
        return _page(gettext("Page not found"), gettext("This page does not exist. Please check the link."), 404)

    @app.errorhandler(410)
    def survey_closed(_error: HTTPException) -> tuple[str, int]:
        return _page(gettext("This survey has ended"), gettext("It no longer takes answers. Thank you for your interest."), 410)

    @app.errorhandler(413)
    def too_large(_error: HTTPException) -> tuple[str, int]:
        if staff_pages.is_own_request():
            return staff_pages.too_large()
        return _page(gettext("Too much text"), gettext("What you sent is too long. Please shorten it and try again."), 413)

    def database_unavailable(error: Exception) -> Any:
        # Only the kind of error: its message may quote the SQL parameters, i.e. answers.
        log.error("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
        if staff_pages.is_own_request():
            body, status = staff_pages.database_unavailable()
        else:
            body, status = _page(
                gettext("Please try again in a moment"),
                gettext("We could not save just now. Your earlier answers are safe. Please go back and send the page again in a minute."),
                503,
            )
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Any:
        if is_database_unavailable(error):
            return database_unavailable(error)
        return unexpected(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return _page(gettext("Something went wrong"), gettext("Please go back and try again."), error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unexpected error")
        return _page(gettext("Something went wrong"), gettext("Please go back and try again."), 500)
