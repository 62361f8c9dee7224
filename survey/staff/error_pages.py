"""Error pages of the staff workspace (staff catalogue, German or English): the app-wide error
handlers in survey/web/errors.py call these for requests to /staff/."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, render_template, request
from flask_babel import force_locale, format_decimal, gettext

from survey.web.i18n import RESPONDENT_PAGES_IN_STAFF, staff_language
from survey.web.upload_limits import FILE_LIMITS


def is_own_request() -> bool:
    return request.blueprint == "staff"


def _page(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("staff/error.html", title=title, message=message, page_language=staff_language()), status


def _in_staff_language(build: Callable[[], tuple[str, int]]) -> tuple[str, int]:
    # The preview shows a respondent page in the respondent's language; its error pages are
    # for the staff member, so they are in the staff language.
    if request.endpoint in RESPONDENT_PAGES_IN_STAFF:
        with force_locale(staff_language().babel_locale):
            return build()
    return build()


def database_unavailable() -> tuple[str, int]:
    return _in_staff_language(lambda: _page(
        gettext("The database cannot be reached just now"),
        gettext("Nothing was changed. Please wait a moment and try again. If this persists, tell the people who run the server."),
        503,
    ))


def too_large() -> tuple[str, int]:
    # The limit of this endpoint's files (survey.web.upload_limits), else the application's.
    limit = FILE_LIMITS.get(request.endpoint or "") or int(current_app.config["MAX_CONTENT_LENGTH"])
    megabytes = limit / (1024 * 1024)
    return _in_staff_language(lambda: _page(
        gettext("The upload is too large"),
        gettext("Files and forms may be at most %(size)s MB. Nothing was stored. Please send a smaller file.",
                size=format_decimal(round(megabytes, 1))),
        413,
    ))
