"""Results of a questionnaire for analysts: responses over time and by language, district and
channel; a chart and a table per closed question; the aggregate CSV; the council report; and,
for admins, deleting a closed questionnaire's raw answers (the aggregate stays as a snapshot).

Charts are separate SVG images (``<img src>``), written by survey.analysis.charts from the
results the page computed (kept in memory, so each image costs no pass over the data). Every
number shown passes the same suppression (survey.analysis).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.analysis.thresholds import SUPPRESSED  # pandas-free: pandas loads on first use
from survey.exports.report_pdf import PdfUnavailable, html_to_pdf, pdf_available
from survey.exports.retention import NotClosed, delete_raw_answers
from survey.languages import LANGUAGES
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.csv_choice import requested_dialect
from survey.staff.questionnaires import questionnaire_row
from survey.store import audit
from survey.store.accounts import Role
from survey.store.municipality import field_labels
from survey.store.responses import count_responses
from survey.store.snapshots import latest_snapshot
from survey.web import request_db
from survey.web.config import current_threshold
from survey.web.request_db import get_db

if TYPE_CHECKING:
    from survey.analysis.results import Results



def _language() -> str:
    return "en" if str(get_locale() or "de").startswith("en") else "de"


def _results(slug: str) -> Results:
    """The questionnaire's results, kept in memory while its responses and versions are
    unchanged and its frame kept in the instance folder (survey.analysis.results)."""
    from survey.analysis.results import cached_results
    from survey.store.responses import UnknownQuestionnaire

    db = get_db()
    database = current_app.extensions["survey.db"]
    folder = current_app.config.get("RESULTS_CACHE_DIR")
    try:
        return cached_results(db, slug, current_threshold(), id(database), cache_dir=Path(folder) if folder else None,
                              database_key=database.engine.url.render_as_string(hide_password=True))
    except UnknownQuestionnaire:
        abort(404)


class Labels:
    """Texts for codes in the staff member's language (questions, options, languages, fields)."""

    def __init__(self, results: Results, language: str) -> None:
        self.results = results
        self.language = language
        self.fields = field_labels(get_db(), language)

    def question(self, code: str) -> str:
        closed = self.results.question(code)
        if closed is None:
            return code
        return closed.question.label.resolve(self.results.newest.chain(self.language)).text

    def option(self, code: str, option: str) -> str:
        closed = self.results.question(code)
        found = next((o for o in closed.options if o.code == option), None) if closed else None
        if found is None:
            return option
        return found.label.resolve(self.results.newest.chain(self.language)).text

    def district(self, code: str) -> str:
        district = self.results.newest.district_question()
        return self.option(district.code, code) if district is not None else code

    def language_name(self, tag: str) -> str:
        spec = LANGUAGES.get(tag)
        if spec is None:
            return tag
        return f"{spec.name_in(self.language)} ({tag})"

    def field(self, code: str) -> str:
        return self.fields.get(code, code)


def _meta_tables(results: Results, labels: Labels) -> list[dict[str, Any]]:
    """The overview tables: per week, language, district, channel, integration field."""
    def rows(frame: Any, key: str, label: Any) -> list[tuple[str, Any]]:
        return [(label(str(g)), c) for g, c in zip(frame[key], frame["count"], strict=True)]
    return [
        {"name": "weekly", "title": gettext("Responses per week (week starting)"), "rows": rows(results.weekly, "week", str)},
        {"name": "language", "title": gettext("Responses by language"), "rows": rows(results.by_language, "group", labels.language_name)},
        {"name": "district", "title": gettext("Responses by district"), "rows": rows(results.by_district, "group", labels.district)},
        {"name": "channel", "title": gettext("Responses by channel"), "rows": rows(results.by_channel, "group", str)},
        {"name": "field", "title": gettext("Respondents who need help, by integration "
                                           "field"), "rows": rows(results.by_field, "group", labels.field)},
    ]


def _question_blocks(results: Results, labels: Labels) -> list[dict[str, Any]]:
    blocks = []
    for closed in results.questions:
        code = closed.question.code
        table = results.overall(code)
        if table.empty:
            continue
        n = table["n"].iloc[0]
        blocks.append({
            "code": code,
            "title": labels.question(code),
            "multiple": closed.multiple,
            "n": n,
            "rows": [(labels.option(code, o), c, s) for o, c, s in zip(table["option"], table["count"], table["share"], strict=True)],
        })
    return blocks


@bp.get("/q/<slug>/results")
@requires(Role.ANALYST)
def results_page(slug: str) -> str:
    row = questionnaire_row(slug)
    db = get_db()
    snapshot = latest_snapshot(db, slug)
    if snapshot is not None and count_responses(db, slug) == 0:
        return render_template("staff/results.html", row=row, snapshot=snapshot, results=None,
                               threshold=current_threshold())
    results = _results(slug)
    labels = Labels(results, _language())
    return render_template("staff/results.html", row=row, snapshot=snapshot, results=results,
                           threshold=results.threshold, meta_tables=_meta_tables(results, labels),
                           blocks=_question_blocks(results, labels), suppressed=SUPPRESSED,
                           closed=row.closed_at is not None, pdf_available=pdf_available())


@bp.get("/q/<slug>/results/chart/<name>.svg")
@requires(Role.ANALYST)
def results_chart(slug: str, name: str) -> Response:
    from survey.analysis.charts import bar_chart_svg

    results = _results(slug)
    labels = Labels(results, _language())
    note = gettext(". = fewer than %(threshold)s respondents, not shown", threshold=results.threshold)
    if name.startswith("q-"):
        block = next((b for b in _question_blocks(results, labels) if b["code"] == name[2:]), None)
        if block is None:
            abort(404)
        svg = bar_chart_svg([r[0] for r in block["rows"]], [r[2] for r in block["rows"]], percent=True,
                            axis_label=gettext("Share of respondents who answered, in per cent"),
                            suppressed_note=note)
    else:
        table = next((t for t in _meta_tables(results, labels) if t["name"] == name), None)
        if table is None:
            abort(404)
        svg = bar_chart_svg([r[0] for r in table["rows"]], [r[1] for r in table["rows"]],
                            axis_label=gettext("Responses"), suppressed_note=note)
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/q/<slug>/results/aggregate.csv")
@requires(Role.ANALYST)
def results_aggregate_csv(slug: str) -> Response:
    from survey.exports.aggregate_export import aggregate_csv

    questionnaire_row(slug)
    db = get_db()
    threshold = current_threshold()
    dialect = requested_dialect(request.args)
    content, _count = aggregate_csv(db, slug, threshold, dialect)
    audit.record(db, actor(), "export", slug, format="aggregate", threshold=threshold, csv_dialect=dialect.name)
    return _download(content, f"{slug}-aggregate-{dt.date.today():%Y%m%d}.csv")


@bp.get("/q/<slug>/results/snapshot.csv")
@requires(Role.ANALYST)
def results_snapshot_csv(slug: str) -> Response:
    from survey.exports.aggregate_export import recode_aggregate_csv

    questionnaire_row(slug)
    db = get_db()
    snapshot = latest_snapshot(db, slug)
    if snapshot is None:
        abort(404)
    dialect = requested_dialect(request.args)
    audit.record(db, actor(), "export", slug, format="aggregate-snapshot", snapshot=snapshot.id, csv_dialect=dialect.name)
    return _download(recode_aggregate_csv(snapshot.content, dialect), f"{slug}-aggregate-{snapshot.created_at:%Y%m%d}.csv")


def _download(content: str | bytes, name: str, mimetype: str = "text/csv") -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/q/<slug>/report")
@requires(Role.ANALYST)
def results_report(slug: str) -> Response | tuple[str, int]:
    from survey.exports.report import render_report

    questionnaire_row(slug)
    db = get_db()
    language = "en" if request.args.get("language") == "en" else "de"
    open_text = request.args.get("open_text") == "yes"
    as_pdf = request.args.get("format") == "pdf"
    # The PDF must stand alone (stylesheet embedded); the HTML page links it, as the CSP asks.
    asset_url: Callable[[str], str] = current_app.jinja_env.globals["asset_url"]  # type: ignore[assignment]
    stylesheet_href = None if as_pdf else asset_url("report.css")
    html = render_report(db, slug, current_threshold(), language, open_text, stylesheet_href=stylesheet_href,
                         results=_results(slug))
    if as_pdf:
        try:
            content = html_to_pdf(html)
        except PdfUnavailable as error:
            current_app.logger.warning("council report as PDF: %s", error)
            return render_template("staff/error.html", title=gettext("PDF is not available"), message=gettext(
                "PDF is not available on this server: it needs the Pango library (ask the administrator; see docs/deployment.md).")
                + " " + gettext("The report as a web page works; print it to PDF from the browser.")), 503
    audit.record(db, actor(), "report", slug, language=language, open_text=open_text, format="pdf" if as_pdf else "html")
    if not as_pdf:
        return Response(html, mimetype="text/html")
    return _download(content, f"{slug}-report-{language}-{dt.date.today():%Y%m%d}.pdf", "application/pdf")


@bp.get("/q/<slug>/delete-responses")
@requires(Role.ADMIN)
def delete_responses_confirm(slug: str) -> str:
    row = questionnaire_row(slug)
    return render_template("staff/delete_responses.html", row=row, closed=row.closed_at is not None,
                           count=count_responses(get_db(), slug), error=None)


@bp.post("/q/<slug>/delete-responses")
@requires(Role.ADMIN)
def delete_responses(slug: str) -> WerkzeugResponse | tuple[str, int]:
    row = questionnaire_row(slug)
    db = get_db()
    if request.form.get("confirm") != "yes":
        error = gettext("Tick the box to confirm that the raw answers are deleted for good.")
        return render_template("staff/delete_responses.html", row=row, closed=row.closed_at is not None,
                               count=count_responses(db, slug), error=error), 400
    try:
        snapshot = delete_raw_answers(db, slug, actor(), current_threshold())
    except NotClosed:
        request_db.discard()
        error = gettext("This questionnaire is still open. Close it first; raw answers are only deleted once no more responses come in.")
        return render_template("staff/delete_responses.html", row=row, closed=False,
                               count=count_responses(db, slug), error=error), 409
    flash(gettext("%(count)s responses deleted. Their aggregated results are kept.", count=snapshot.responses))
    return redirect(url_for("staff.results_page", slug=slug))
