"""Translations for staff: per language the state of every text, files to download for
translators, and the upload that merges a filled file into the questionnaire's draft.

The work itself is done in survey.store.translations (no Flask); these views only read the
request, call it, record the audit event and commit.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_babel import get_babel, gettext, refresh
from werkzeug.exceptions import RequestEntityTooLarge

from survey.languages import LANGUAGES
from survey.problems import Problem
from survey.questionnaire.formats.translation_sheet import MAX_UPLOAD_BYTES, Status
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.questionnaires import questionnaire_row
from survey.store import audit, ui_overrides
from survey.store.accounts import Role
from survey.store.translations import (
    Target,
    UiFolders,
    download,
    import_file,
    overview,
    target,
    translatable_languages,
)
from survey.web import request_db
from survey.web.request_db import get_db

STAMP_SEEN = "survey.ui_overrides_stamp"
OVERRIDE_FOLDER = "survey.ui_overrides_folder"  # the Path, built once: this runs on every request


def ui_folders() -> UiFolders:
    bundled = current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0]
    return UiFolders(Path(bundled), Path(current_app.instance_path) / "translations")


def _found(slug: str) -> Target:
    questionnaire_row(slug)  # 404 for an unknown slug, as on every questionnaire page
    found = target(get_db(), slug)
    if found is None:
        abort(404)
    return found


@bp.before_app_request
def reload_changed_ui_texts() -> None:
    """Flask-Babel keeps each catalogue once loaded; when any process wrote an override since,
    forget them so the next text is read from the new files (one stat per request)."""
    folder = current_app.extensions.get(OVERRIDE_FOLDER)
    if folder is None:
        folder = current_app.extensions[OVERRIDE_FOLDER] = Path(current_app.instance_path) / "translations"
    stamp = ui_overrides.stamp(folder)
    if current_app.extensions.get(STAMP_SEEN, "unset") != stamp:
        forget_loaded_catalogues()
        current_app.extensions[STAMP_SEEN] = stamp


def forget_loaded_catalogues() -> None:
    # Flask-Babel caches loaded catalogues per (locale, domain) on its Domain object.
    get_babel(current_app).instance.domain_instance.cache.clear()
    refresh()


@bp.get("/q/<slug>/translations")
@requires(Role.DESIGNER)
def translations(slug: str) -> str:
    found = _found(slug)
    return _page(found)


def _page(found: Target, problems: list[Problem | str] | None = None, status: int = 200) -> Any:
    return render_template(
        "staff/translations.html", row=found.row, version=found.version, model=found.model,
        overview=overview(get_db(), found, ui_folders()), languages=LANGUAGES, Status=Status,
        problems=problems or [], max_kb=MAX_UPLOAD_BYTES // 1024,
    ), status


@bp.get("/q/<slug>/translations/<lang>.<fmt>")
@requires(Role.DESIGNER)
def translation_file(slug: str, lang: str, fmt: str) -> Response:
    found = _found(slug)
    if fmt not in ("xlsx", "po") or lang not in translatable_languages(found.model):
        abort(404)
    name, body, mimetype = download(get_db(), found, lang, fmt, ui_folders())
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/q/<slug>/translations")
@requires(Role.DESIGNER)
def translation_upload(slug: str) -> Any:
    found = _found(slug)
    file = request.files.get("file")
    language = request.form.get("lang", "")
    if file is None or not file.filename:
        return _page(found, [gettext("Choose a file first.")], 422)
    if language not in translatable_languages(found.model):
        return _page(found, [gettext("Choose the language of the file.")], 422)
    raw = file.stream.read(MAX_UPLOAD_BYTES + 1)
    db = get_db()
    outcome = import_file(db, found, raw, file.filename, language, ui_folders())
    merge = outcome.merge
    if not outcome.accepted or merge is None:
        request_db.discard()
        if merge is None:
            return _page(found, list(outcome.problems), 422)
        return render_template("staff/translation_report.html", row=found.row, version=found.version, merge=merge,
                               outcome=outcome, languages=LANGUAGES, filename=file.filename), 422
    audit.record(
        db, actor(), "translation_imported", slug, language=merge.info.language, file=file.filename[:200],
        version=outcome.stored.version_number if outcome.stored else None,
        new=len(merge.new), changed=len(merge.changed), confirmed=len(merge.confirmed),
        emptied=len(merge.emptied), interface_texts=outcome.ui_saved,
    )
    if outcome.ui_saved:
        forget_loaded_catalogues()
    return render_template("staff/translation_report.html", row=found.row, version=found.version, merge=merge,
                           outcome=outcome, languages=LANGUAGES, filename=file.filename)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> Any:
    """A huge upload is refused while the form is read (by the CSRF check, before the view and
    before the role check): say what happened without showing anything of the questionnaire.
    Other staff pages keep the application's own handling."""
    if request.endpoint == "staff.translation_upload":
        return render_template(
            "staff/error.html", title=gettext("The file was not stored"),
            message=gettext("The file is larger than %(kb)d KB; a translation file is far smaller. Is it the right file? Go back and "
                            "choose the file downloaded on the Translations page.",
                            kb=MAX_UPLOAD_BYTES // 1024),
        ), 413
    for handler in current_app.error_handler_spec.get(None, {}).get(413, {}).values():
        return handler(error)
    return error
