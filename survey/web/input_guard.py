"""Refuse a request that carries a NUL character (U+0000) before any view sees it.

PostgreSQL cannot store U+0000 in a text column (the driver raises an error the view would turn
into a server error), no person types one into a form, and no answer or name needs one. So the
address, the query string, every form field and every uploaded file's name are checked once here,
and such a request gets a 400 page that says what to fix.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, render_template, request
from flask_babel import gettext

NUL = "\x00"


class NulCharacter(Exception):
    """The request contained U+0000."""


def _any_nul(pairs: Iterable[tuple[str, str]]) -> bool:
    return any(NUL in key or NUL in value for key, value in pairs)


def carries_nul() -> bool:
    if NUL in request.path or _any_nul(request.args.items(multi=True)):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        if _any_nul(request.form.items(multi=True)):
            return True
        return any(NUL in name or NUL in (upload.filename or "") for name, upload in request.files.items(multi=True))
    return False


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul() -> None:
        if carries_nul():
            raise NulCharacter()

    @app.errorhandler(NulCharacter)
    def nul_page(_error: NulCharacter) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=gettext("This could not be saved"),
            message=gettext("What you sent contains an invisible control character (U+0000) that cannot be stored. Please remove it, for "
                            "example by typing the text again, and send it once more."),
        ), 400
