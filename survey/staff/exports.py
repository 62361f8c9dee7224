"""Exports for analysts: one form (format, filters, codes or labels); CSV streams at once, Excel
and SPSS run as background jobs whose page refreshes itself until the file is ready."""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import format_decimal, get_locale, gettext, lazy_gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.exports import jobs
from survey.exports.csv_export import iter_csv_text
from survey.exports.filters import FilterError, parse_filter
from survey.exports.formats import FORMATS, ExportFormat, FormatNotApplicable, UnknownFormat, get_format
from survey.exports.labels import UnknownLabelLanguage
from survey.exports.request import ExportRequest, PreparedExport, prepare
from survey.languages import LANGUAGES
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.csv_choice import requested_dialect
from survey.staff.questionnaires import questionnaire_row
from survey.store import audit, export_jobs
from survey.store.accounts import Role
from survey.store.db import Database
from survey.store.models import ExportJob
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.questionnaires import channels_of, questionnaire_for_version
from survey.store.responses import UnknownQuestionnaire, channels_used
from survey.web import request_db
from survey.web.config import current_threshold
from survey.web.request_db import get_db

REFRESH_SECONDS = 3
FORMAT_TITLES = {
    "csv": lazy_gettext("CSV: one row per response (R, pandas, SPSS, Excel)"),
    "xlsx": lazy_gettext("Excel workbook (.xlsx) with a labels sheet"),
    "sav": lazy_gettext("SPSS (.sav) with variable and value labels"),
    "codebook": lazy_gettext("Codebook (CSV): every variable, its question, options and condition"),
    "aggregate": lazy_gettext("Aggregated results with small-cell suppression (CSV)"),
    "gap": lazy_gettext("Needs versus offers per district and integration field (CSV)"),
}
FILTER_MESSAGES = {
    "bad_date": lazy_gettext("“%(value)s” is not a date. Choose a day in the calendar or write it as 2026-11-30."),
    "date_order": lazy_gettext("The end date is before the start date."),
    "bad_version": lazy_gettext("“%(value)s” is not a version of this questionnaire."),
    "unknown_language": lazy_gettext("“%(value)s” is not a language of this questionnaire."),
    "unknown_district": lazy_gettext("“%(value)s” is not a district of this questionnaire."),
    "no_district_question": lazy_gettext("This questionnaire does not ask for the district."),
    "bad_channel": lazy_gettext("“%(value)s” is not a channel code (letters, digits, - and _)."),
}
STATUS_TEXTS = {
    export_jobs.QUEUED: lazy_gettext("waiting to start"),
    export_jobs.RUNNING: lazy_gettext("being prepared"),
    export_jobs.DONE: lazy_gettext("ready to download"),
    export_jobs.FAILED: lazy_gettext("stopped with an error"),
}


class _FormProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _export_dir() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def _format_title(export_format: ExportFormat) -> str:
    return str(FORMAT_TITLES.get(export_format.name, export_format.description))


def _read_request(slug: str, values: Mapping[str, Any]) -> tuple[ExportFormat, ExportRequest]:
    """The format and request from form or query values; _FormProblem names the field at fault."""
    def many(name: str) -> list[str]:
        return values.getlist(name) if isinstance(values, MultiDict) else list(values.get(name) or [])

    try:
        export_format = get_format(values.get("format") or "csv")
    except UnknownFormat:
        raise _FormProblem("format", gettext("Choose one of the formats.")) from None
    try:
        export_filter = parse_filter(values.get("date_from", ""), values.get("date_to", ""), many("language"),
                                     many("district"), many("channel"), many("version"))
    except FilterError as error:
        raise _FormProblem(error.field, FILTER_MESSAGES[error.kind] % {"value": error.value}) from None
    return export_format, ExportRequest(
        slug, export_filter, values.get("labels") == "labels", values.get("label_language") or "de",
        requested_dialect(values), threshold=current_threshold())


def _prepare(request_: ExportRequest) -> PreparedExport:
    try:
        return prepare(get_db(), request_)
    except UnknownQuestionnaire:
        abort(404)
    except FilterError as error:
        raise _FormProblem(error.field, FILTER_MESSAGES[error.kind] % {"value": error.value}) from None
    except UnknownLabelLanguage:
        raise _FormProblem("label_language", gettext("Choose one of the label languages.")) from None


def _query_args(export_format: ExportFormat, values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values as query arguments for a direct download (GET, so it can stream)."""
    names = ("labels", "label_language", "date_from", "date_to", "dialect", "delimiter")
    args: dict[str, Any] = {name: values.get(name) for name in names if values.get(name)}
    for name in ("language", "district", "channel", "version"):
        chosen = values.getlist(name) if isinstance(values, MultiDict) else []
        if chosen:
            args[name] = chosen
    if export_format.name != "csv":
        args["format"] = export_format.name
    return args


def _form_choices(row: QuestionnaireRow) -> dict[str, Any]:
    db = get_db()
    newest = questionnaire_for_version(row.versions[-1])
    ui = str(get_locale() or "de")
    chain = newest.chain(ui if ui in LANGUAGES else "de")
    districts: dict[str, str] = {}
    for version in reversed(row.versions):
        model = questionnaire_for_version(version)
        question = next((q for q in model.questions() if q.type.value == "district"), None)
        for option in question.all_options() if question else ():
            districts.setdefault(option.code, option.label.resolve(chain).text)
    channels = {channel.code for channel in channels_of(db, row)} | channels_used(db, row)
    languages = [LANGUAGES[code] for code in newest.language_codes if code in LANGUAGES]
    return {
        "formats": [(f, _format_title(f)) for f in FORMATS.values()],
        "languages": languages,
        "districts": list(districts.items()),
        "channels": sorted(channels),
        "versions": [version.number for version in row.versions],
        "default_label_language": "de" if "de" in newest.language_codes else newest.default_language,
    }


def _recent_jobs(row: QuestionnaireRow) -> list[ExportJob]:
    db = get_db()
    found = export_jobs.jobs_of(db, row.id, actor())
    for job in found:
        export_jobs.mark_stale(db, job)
    return found


def _form_page(row: QuestionnaireRow, values: Mapping[str, Any] | None = None,
               errors: dict[str, list[str]] | None = None, status: int = 200) -> tuple[str, int]:
    values = values if values is not None else MultiDict()
    return render_template("staff/export.html", row=row, values=values, errors=errors or {},
                           jobs=_recent_jobs(row), status_texts=STATUS_TEXTS, number=format_decimal,
                           **_form_choices(row)), status


@bp.get("/q/<slug>/export")
@requires(Role.ANALYST)
def export_page(slug: str) -> tuple[str, int]:
    return _form_page(questionnaire_row(slug))


@bp.post("/q/<slug>/export")
@requires(Role.ANALYST)
def export_start(slug: str) -> Any:
    row = questionnaire_row(slug)
    try:
        export_format, export_request = _read_request(slug, request.form)
        _prepare(export_request)  # checks filter values and label language against the questionnaire
    except _FormProblem as problem:
        return _form_page(row, request.form, {problem.field: [problem.message]}, 422)
    if export_format.name == "csv":
        return redirect(url_for("staff.export_csv", slug=slug, **_query_args(export_format, request.form)), 303)
    if not export_format.background:
        return redirect(url_for("staff.export_direct", slug=slug, **_query_args(export_format, request.form)), 303)
    db = get_db()
    export_jobs.delete_old_jobs(db, _export_dir())
    job = jobs.create_job(db, export_request, export_format.name, actor())
    audit.record(db, actor(), "export_started", slug, format=export_format.name, job=job.public_id,
                 **export_request.to_options())
    # The job reads its row: it starts once the request's work is committed.
    folder, public_id = _export_dir(), job.public_id
    if current_app.config["EXPORT_JOBS_IN"] == "thread":
        database: Database = current_app.extensions["survey.db"]
        request_db.after_commit(lambda: _started(jobs.start_in_background(database.session_factory, public_id, folder)))
    else:
        url = str(current_app.config["DATABASE_URL"])
        request_db.after_commit(lambda: _started(jobs.start_in_process(url, public_id, folder)))
    return redirect(url_for("staff.export_job", slug=slug, job_id=job.public_id), 303)


def _started(_runner: object) -> None:
    """The job runs on its own (a thread or a process); the request does not wait for it."""


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M")


@bp.get("/q/<slug>/export.csv")
@requires(Role.ANALYST)
def export_csv(slug: str) -> Any:
    row = questionnaire_row(slug)
    try:
        _format, export_request = _read_request(slug, request.args)
        prepared = _prepare(export_request)
    except _FormProblem as problem:
        return _form_page(row, request.args, {problem.field: [problem.message]}, 422)
    db = get_db()
    audit.record(db, actor(), "export", slug, format="csv", **export_request.to_options())

    def generate() -> Iterator[str]:
        yield from iter_csv_text(prepared.versions, prepared.records(), export_request.csv_dialect,
                                 labels=prepared.value_labels)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-{_stamp()}.csv"'
    return response


@bp.get("/q/<slug>/export/file")
@requires(Role.ANALYST)
def export_direct(slug: str) -> Any:
    """A small format (a codebook) written at once and sent."""
    row = questionnaire_row(slug)
    try:
        export_format, export_request = _read_request(slug, request.args)
        prepared = _prepare(export_request)
    except _FormProblem as problem:
        return _form_page(row, request.args, {problem.field: [problem.message]}, 422)
    if export_format.background:
        abort(404)  # large formats run as jobs
    folder = Path(tempfile.mkdtemp(prefix="export-"))
    path = folder / f"export.{export_format.extension}"
    try:
        export_format.write(prepared, path)
    except FormatNotApplicable:
        shutil.rmtree(folder, ignore_errors=True)
        refusal = gettext("This questionnaire does not say which answers mean a need, so there is no comparison of needs and offers.")
        return _form_page(row, request.args, {"format": [refusal]}, 422)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    db = get_db()
    audit.record(db, actor(), "export", slug, format=export_format.name, **export_request.to_options())
    response = send_file(path, mimetype=export_format.mimetype, as_attachment=True,
                         download_name=f"{slug}-{_stamp()}-{export_format.name}.{export_format.extension}")
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response


def _own_job(slug: str, job_id: str) -> ExportJob:
    row = questionnaire_row(slug)
    job = export_jobs.find_job(get_db(), job_id)
    # Another analyst's job is not found: its filters and file are that person's work.
    if job is None or job.questionnaire_id != row.id or job.requested_by != actor():
        abort(404)
    return job


@bp.get("/q/<slug>/export/jobs/<job_id>")
@requires(Role.ANALYST)
def export_job(slug: str, job_id: str) -> str:
    db = get_db()
    job = _own_job(slug, job_id)
    export_jobs.mark_stale(db, job)
    ready = export_jobs.job_file(job, _export_dir())
    percent = int(100 * job.rows_done / job.rows_total) if job.rows_total else 0
    return render_template(
        "staff/export_job.html", row=questionnaire_row(slug), job=job, ready=ready, percent=min(percent, 100),
        refresh=REFRESH_SECONDS if job.status in (export_jobs.QUEUED, export_jobs.RUNNING) else None,
        format_title=_format_title(get_format(job.format)) if job.format in FORMATS else job.format,
        status_text=STATUS_TEXTS.get(job.status, job.status), size=ready.stat().st_size if ready else 0,
        stale_error=export_jobs.STALE_ERROR, number=format_decimal)


@bp.get("/q/<slug>/export/jobs/<job_id>/download")
@requires(Role.ANALYST)
def export_download(slug: str, job_id: str) -> WerkzeugResponse:
    job = _own_job(slug, job_id)
    path = export_jobs.job_file(job, _export_dir())
    if path is None:
        abort(404)
    db = get_db()
    audit.record(db, actor(), "export_download", slug, format=job.format, job=job.public_id, rows=job.rows_done)
    return send_file(path, mimetype=get_format(job.format).mimetype, as_attachment=True,
                     download_name=jobs.download_name(job))
