"""Admin page for the city behind the survey: name, logo, responsible office, data protection
officer, legal basis, supervisory authority, legal notice (survey.store.legal_details). Every
change is audited; publishing a questionnaire waits until the mandatory details are there
(``missing_message``). The record of processing activities and the DPIA sheet for the data
protection officer are downloaded here (survey.exports.processing_record)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from survey.exports.processing_record import RecordSettings, render_record
from survey.exports.report_pdf import PdfUnavailable, html_to_pdf
from survey.files import MAX_LOGO_BYTES, LogoRefused, checked_logo
from survey.problems import Problem
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.problem_texts import problem_text
from survey.store import accounts, audit, legal_details
from survey.store.accounts import Role
from survey.web import request_db
from survey.web.config import current_threshold
from survey.web.request_db import get_db

# field -> its label on the staff page (and in the message that names what is missing)
LABELS: dict[str, Any] = {
    "municipality_name": lazy_gettext("Name of the municipality"),
    "office_name": lazy_gettext("Responsible office"),
    "office_address": lazy_gettext("Postal address of the responsible office"),
    "office_email": lazy_gettext("E-mail address of the responsible office"),
    "office_phone": lazy_gettext("Telephone number of the responsible office"),
    "dpo_contact": lazy_gettext("Data protection officer: name and postal address"),
    "dpo_email": lazy_gettext("Data protection officer: e-mail address"),
    "legal_basis": lazy_gettext("Legal basis"),
    "legal_basis_text": lazy_gettext("Legal basis: details"),
    "answer_retention": lazy_gettext("How long sent answers are kept"),
    "supervisory_authority": lazy_gettext("Supervisory authority"),
    "legal_notice": lazy_gettext("Legal notice (Impressum)"),
}


def missing_message(details: legal_details.LegalDetails) -> str | None:
    """Why a questionnaire cannot be published yet, or None when the details are complete."""
    missing = details.missing()
    if not missing:
        return None
    return gettext("A questionnaire can only be published once the city's legal details are complete. Still missing: "
                   "%(fields)s. An admin enters them in the staff area under Legal details.",
                   fields=", ".join(str(LABELS[name]) for name in missing))


def _errors(problems: list[Problem]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(problem.where.field, []).append(problem_text(problem))
    return found


def _page(details: legal_details.LegalDetails | None = None, errors: dict[str, list[str]] | None = None,
          status: int = 200) -> Any:
    db = get_db()
    details = details or legal_details.current(db)
    return render_template(
        "staff/legal.html", details=details, errors=errors or {}, labels=LABELS, legal_bases=legal_details.LEGAL_BASES,
        required=legal_details.REQUIRED, missing=legal_details.current(db).missing(), logo=legal_details.logo(db),
        default_authority=legal_details.DEFAULT_SUPERVISORY_AUTHORITY, max_logo_kb=MAX_LOGO_BYTES // 1024,
    ), status


@bp.get("/legal")
@requires(Role.ADMIN)
def legal_page() -> Any:
    return _page()


@bp.post("/legal")
@requires(Role.ADMIN)
def legal_save() -> Any:
    details, problems = legal_details.parse(request.form)
    if problems:
        return _page(details, _errors(problems), 422)
    db = get_db()
    changed = legal_details.save(db, details)
    if changed:
        # The names of the fields, not their texts: the page itself shows what they say now.
        audit.record(db, actor(), "legal_details_changed", "legal_details", fields=changed)
        flash(gettext("The legal details were saved."))
    else:
        flash(gettext("Nothing was changed."))
    return redirect(url_for("staff.legal_page"))


@bp.post("/legal/logo")
@requires(Role.ADMIN)
def legal_logo() -> Any:
    db = get_db()
    if request.form.get("action") == "remove":
        if legal_details.remove_logo(db):
            audit.record(db, actor(), "legal_logo_removed", "legal_details")
            flash(gettext("The logo was removed."))
        return redirect(url_for("staff.legal_page"))
    upload = request.files.get("logo")
    raw = upload.read(MAX_LOGO_BYTES + 1) if upload else b""
    if not upload or not upload.filename or not raw:
        return _page(errors={"logo": [gettext("Choose a PNG or JPEG file.")]}, status=422)
    try:
        content, media_type = checked_logo(raw)
    except LogoRefused as error:
        request_db.discard()
        return _page(errors=_errors(error.problems), status=422)
    legal_details.set_logo(db, content, media_type)
    audit.record(db, actor(), "legal_logo_changed", "legal_details", media_type=media_type, bytes=len(content))
    flash(gettext("The logo was saved."))
    return redirect(url_for("staff.legal_page"))


def record_settings() -> RecordSettings:
    config = current_app.config
    return RecordSettings(
        draft_days=int(config["DRAFT_RETENTION_DAYS"]), contact_days=int(config["CONTACT_RETENTION_DAYS"]),
        threshold=current_threshold(), staff_session_hours=int(config["STAFF_SESSION_HOURS"]),
        rate_limit_submissions=int(config["RATE_LIMIT_SUBMISSIONS"]),
        rate_limit_client_submissions=int(config["RATE_LIMIT_CLIENT_SUBMISSIONS"]),
        rate_limit_logins=int(config["RATE_LIMIT_LOGINS"]), secure_cookies=bool(config["SECURE_COOKIES"]),
        database="PostgreSQL" if str(config["DATABASE_URL"]).startswith("postgresql") else "SQLite",
        public_base_url=str(config.get("PUBLIC_BASE_URL") or ""),
    )


@bp.get("/legal/processing-record.<fmt>")
@requires(Role.ADMIN)
def processing_record(fmt: str) -> Any:
    """The record of processing activities and the DPIA sheet (German), for the data protection
    officer: a web page with print CSS, or the same as PDF."""
    if fmt not in ("html", "pdf"):
        abort(404)
    db = get_db()
    counts: dict[str, int] = {}
    for user in accounts.list_users(db):
        if user.active:
            for role in user.role_set:
                counts[role] = counts.get(role, 0) + 1
    asset_url: Callable[[str], str] = current_app.jinja_env.globals["asset_url"]  # type: ignore[assignment]
    html = render_record(legal_details.current(db), record_settings(), counts,
                         stylesheet_href=asset_url("report.css") if fmt == "html" else None)
    if fmt == "pdf":
        try:
            content = html_to_pdf(html)
        except PdfUnavailable as error:
            current_app.logger.warning("processing record as PDF: %s", error)
            return render_template("staff/error.html", title=gettext("PDF is not available"), message=gettext(
                "PDF is not available on this server: it needs the Pango library (ask the administrator; see docs/deployment.md).")), 503
    audit.record(db, actor(), "processing_record", "legal_details", format=fmt)
    if fmt == "html":
        return Response(html, mimetype="text/html")
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="verarbeitungsverzeichnis-entwurf-{dt.date.today():%Y%m%d}.pdf"')
    return response
