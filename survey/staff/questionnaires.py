"""Questionnaires for staff: list with status, versions, upload, publish, close, download."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.languages import LANGUAGES
from survey.problems import Problem
from survey.questionnaire import QuestionnaireError
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from survey.questionnaire.translation import completeness
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.legal import missing_message
from survey.staff.problem_texts import problem_html
from survey.store import audit, legal_details
from survey.store.accounts import Role
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.models import QuestionnaireVersion
from survey.store.municipality import check_questionnaire, list_districts, list_fields
from survey.store.questionnaires import (
    DRAFT,
    find_questionnaire,
    list_questionnaires,
    publish_version,
    questionnaire_for_version,
    save_draft,
    set_closed,
    unchanged_version,
)
from survey.store.responses import counts_by_version
from survey.store.translation_status import outdated_counts
from survey.web.request_db import get_db
from survey.web.upload_limits import FILE_LIMITS

MAX_UPLOAD_BYTES = FILE_LIMITS["staff.upload"]


def questionnaire_row(slug: str) -> QuestionnaireRow:
    row = find_questionnaire(get_db(), slug)
    if row is None or not row.versions:
        abort(404)
    return row


def version_of(row: QuestionnaireRow, number: int) -> QuestionnaireVersion:
    version = next((v for v in row.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


@bp.get("/questionnaires")
@requires(Role.DESIGNER, Role.ANALYST)
def questionnaire_list() -> str:
    db = get_db()
    rows = []
    for summary in list_questionnaires(db):
        row = questionnaire_row(summary.slug)
        model = questionnaire_for_version(row.versions[-1])
        rows.append((summary, completeness(model)))
    return render_template("staff/questionnaires.html", rows=rows, languages=LANGUAGES)


@bp.get("/q/<slug>")
@requires(Role.DESIGNER, Role.ANALYST)
def questionnaire_detail(slug: str) -> str:
    db = get_db()
    row = questionnaire_row(slug)
    counts = counts_by_version(db, row)
    newest = row.versions[-1]
    model = questionnaire_for_version(newest)
    return render_template(
        "staff/questionnaire.html", row=row, versions=list(reversed(row.versions)), counts=counts,
        newest=newest, model=model, completeness=completeness(model), languages=LANGUAGES,
        legal_missing=missing_message(legal_details.current(db)),
        code_warnings=check_questionnaire(model, [d.code for d in list_districts(db)], [f.code for f in list_fields(db)]),
    )


@bp.route("/questionnaires/upload", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def upload() -> Any:
    """A YAML or XLSForm file becomes the questionnaire's draft (a new questionnaire if the
    slug is new). Nothing is stored when the file has errors."""
    from survey.questionnaire.formats.reading import load_questionnaire_upload

    problems: list[Problem | str] = []
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            problems = [gettext("Choose a file first.")]
        else:
            raw = file.stream.read(MAX_UPLOAD_BYTES + 1)
            if len(raw) > MAX_UPLOAD_BYTES:
                problems = [gettext("The file is larger than %(mb)d MB.", mb=MAX_UPLOAD_BYTES // 1024 // 1024)]
            else:
                try:
                    loaded = load_questionnaire_upload(raw, file.filename)
                except QuestionnaireError as error:
                    problems = list(error.problems)
                else:
                    db = get_db()
                    try:
                        unchanged = unchanged_version(db, loaded)
                    except QuestionnaireError as error:  # bound to the city's district list while it is empty
                        return render_template("staff/upload.html", problems=list(error.problems)), 422
                    for warning in loaded.warnings:
                        flash(problem_html(warning, mark_warning=False), "warning")
                    if unchanged is not None:  # the same content, however the file is written
                        audit.record(db, actor(), "questionnaire_uploaded", loaded.questionnaire.slug,
                                     version=unchanged.number, file=file.filename[:200], unchanged=True)
                        flash(gettext("The file is unchanged from version %(n)d, so no new version was made.",
                                      n=unchanged.number))
                        return redirect(url_for("staff.questionnaire_detail", slug=loaded.questionnaire.slug))
                    result = save_draft(db, loaded)
                    audit.record(db, actor(), "questionnaire_uploaded", result.slug,
                                 version=result.version_number, file=file.filename[:200])
                    if result.created:
                        flash(gettext("Saved as draft version %(n)d. Check it in the preview, then publish it.", n=result.version_number))
                    else:
                        flash(gettext("This content is stored already as version %(n)d.", n=result.version_number))
                    return redirect(url_for("staff.questionnaire_detail", slug=result.slug))
    return render_template("staff/upload.html", problems=problems), (422 if problems else 200)


def incomplete_languages(model: Any) -> list[tuple[str, int, int]]:
    return [(lang, done, total) for lang, (done, total) in completeness(model).items() if done < total]


@bp.post("/q/<slug>/v/<int:number>/publish")
@requires(Role.DESIGNER)
def publish(slug: str, number: int) -> Any:
    """Publishing freezes the version. Languages still missing texts, and translations made for
    a source text that has changed since (outdated), are listed first; staff either complete or
    update them, or publish as it is (missing texts in the declared fallback)."""
    db = get_db()
    row = questionnaire_row(slug)
    version = version_of(row, number)
    if version.status != DRAFT:
        flash(gettext("Version %(n)d is published already.", n=number), "warning")
        return redirect(url_for("staff.questionnaire_detail", slug=slug))
    refusal = missing_message(legal_details.current(db))
    if refusal is not None:
        # No survey goes live without saying who runs it and how it handles data (GDPR Art. 13, § 5 DDG).
        flash(refusal, "error")
        return redirect(url_for("staff.questionnaire_detail", slug=slug))
    model = questionnaire_for_version(version)
    missing = incomplete_languages(model)
    outdated = sorted(outdated_counts(db, row.id, model).items())
    if (missing or outdated) and request.form.get("with_fallback") != "yes":
        return render_template("staff/publish_confirm.html", row=row, version=version, missing=missing, outdated=outdated,
                               languages=LANGUAGES)
    try:
        publish_version(db, version)
    except QuestionnaireError as refused:  # bound to the city's district list while it is empty
        for problem in refused.problems:
            flash(problem_html(problem), "error")
        return redirect(url_for("staff.questionnaire_detail", slug=slug))
    audit.record(db, actor(), "questionnaire_published", slug, version=number,
                 fallback_languages=[lang for lang, _d, _t in missing], outdated_languages=[lang for lang, _n in outdated])
    flash(gettext("Version %(n)d is published. Respondents now answer this version.", n=number))
    return redirect(url_for("staff.questionnaire_detail", slug=slug))


@bp.post("/q/<slug>/close")
@requires(Role.DESIGNER)
def close(slug: str) -> WerkzeugResponse:
    db = get_db()
    row = questionnaire_row(slug)
    closing = request.form.get("closed") == "yes"
    set_closed(db, row, closing)
    audit.record(db, actor(), "questionnaire_closed" if closing else "questionnaire_reopened", slug)
    flash(gettext("The questionnaire is closed: its link takes no more answers.") if closing
          else gettext("The questionnaire is open again."))
    return redirect(url_for("staff.questionnaire_detail", slug=slug))


@bp.get("/q/<slug>/v/<int:number>/download.<fmt>")
@requires(Role.DESIGNER)
def download(slug: str, number: int, fmt: str) -> WerkzeugResponse:
    from flask import Response as FlaskResponse

    row = questionnaire_row(slug)
    model = questionnaire_for_version(version_of(row, number))
    name = f"{slug}-v{number}"
    if fmt == "yaml":
        body: bytes = dump_questionnaire(model).encode("utf-8")
        mimetype = "application/yaml"
    elif fmt == "xlsx":
        from survey.questionnaire.formats.xlsform_writer import write_xlsform

        body = write_xlsform(model)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    response = FlaskResponse(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
