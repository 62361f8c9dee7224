"""Admin page for the municipality's districts and integration fields: list, import from
CSV/XLSX (all rows or none), field labels per language, deleting a district no offer uses."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from survey.files import TableImportError
from survey.languages import LANGUAGES
from survey.problems import Problem
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.store import audit, municipality
from survey.store.accounts import Role
from survey.web import request_db
from survey.web.request_db import get_db
from survey.web.upload_limits import FILE_LIMITS

MAX_UPLOAD = FILE_LIMITS["staff.districts_import"]


def _page(problems: list[Problem | str] | None = None, status: int = 200) -> Any:
    db = get_db()
    districts = [(d, municipality.district_in_use(db, d.code)) for d in municipality.list_districts(db)]
    return render_template("staff/municipality.html", districts=districts, fields=municipality.list_fields(db),
                           languages=LANGUAGES, problems=problems or []), status


@bp.get("/municipality")
@requires(Role.ADMIN)
def municipality_page() -> Any:
    return _page()


def _import(kind: str, parse: Callable[[bytes, str], Any], save: Callable[[Any, Any], Any]) -> Any:
    db = get_db()
    upload = request.files.get("file")
    raw = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not upload or not upload.filename:
        return _page([gettext("Choose a .csv or .xlsx file.")], 422)
    if len(raw) > MAX_UPLOAD:
        return _page([gettext("The file is larger than 2 MB.")], 422)
    try:
        report = save(db, parse(raw, upload.filename))
    except TableImportError as error:
        request_db.discard()
        return _page(list(error.problems), 422)
    audit.record(db, actor(), f"{kind}_imported", upload.filename[:200], added=list(report.added), changed=list(report.changed))
    flash(gettext("%(added)d added, %(changed)d changed, %(unchanged)d unchanged.", added=len(report.added),
                  changed=len(report.changed), unchanged=len(report.unchanged)))
    return redirect(url_for("staff.municipality_page"))


@bp.post("/municipality/districts")
@requires(Role.ADMIN)
def districts_import() -> Any:
    return _import("districts", municipality.parse_districts, municipality.save_districts)


@bp.post("/municipality/fields")
@requires(Role.ADMIN)
def fields_import() -> Any:
    return _import("fields", municipality.parse_fields, municipality.save_fields)


@bp.post("/municipality/districts/<code>/delete")
@requires(Role.ADMIN)
def district_delete(code: str) -> Any:
    db = get_db()
    if code not in {d.code for d in municipality.list_districts(db)}:
        abort(404)
    if not municipality.delete_district(db, code):
        flash(gettext("The district %(code)s is used by offers and was not deleted.", code=code), "error")
        return redirect(url_for("staff.municipality_page"))
    audit.record(db, actor(), "district_deleted", code)
    flash(gettext("The district %(code)s was deleted.", code=code))
    return redirect(url_for("staff.municipality_page"))


@bp.post("/municipality/fields/<code>")
@requires(Role.ADMIN)
def field_labels(code: str) -> Any:
    db = get_db()
    if code not in {field.code for field in municipality.list_fields(db)}:
        abort(404)
    labels = {tag: " ".join(request.form.get(f"label_{tag}", "").split())[:200] for tag in LANGUAGES}
    labels = {tag: text for tag, text in labels.items() if text}
    if not labels.get("de"):
        return _page([gettext("Every field needs a German label (%(code)s).", code=code)], 422)
    if municipality.set_field_labels(db, code, labels):
        audit.record(db, actor(), "field_labels_changed", code, languages=sorted(labels))
        flash(gettext("The labels of %(code)s were saved.", code=code))
    return redirect(url_for("staff.municipality_page"))
