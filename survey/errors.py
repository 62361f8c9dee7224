"""Friendly error pages in the visitor's language: never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _page(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("error.html", title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return _page(
            gettext("Your page had expired"),
            gettext("For your safety the form could not be sent. Your answers from earlier pages are saved. Please go back, reload the page and send it again."),
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
        return _page(gettext("Too much text"), gettext("What you sent is too long. Please shorten it and try again."), 413)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[str, int]:
        log.error("database unavailable: %s", type(error.orig).__name__)
        return _page(
            gettext("Please try again in a moment"),
            gettext("We could not save just now. Your earlier answers are safe. Please go back and send the page again in a minute."),
            503,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return _page(gettext("Something went wrong"), gettext("Please go back and try again."), error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unexpected error")
        return _page(gettext("Something went wrong"), gettext("Please go back and try again."), 500)
