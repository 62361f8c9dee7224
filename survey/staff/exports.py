"""Exports for analysts, streamed so that memory stays flat whatever the number of responses."""
from __future__ import annotations

import datetime as dt
from typing import Iterator

from flask import Response, abort, render_template, request, stream_with_context

from survey import audit
from survey.accounts import Role
from survey.exports.csv_export import iter_csv_text
from survey.exports.source import UnknownQuestionnaire, iter_records, versions_newest_first
from survey.request_db import get_db
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.questionnaires import questionnaire_row


@bp.get("/q/<slug>/export")
@requires(Role.ANALYST)
def export_page(slug: str) -> str:
    return render_template("staff/export.html", row=questionnaire_row(slug))


@bp.get("/q/<slug>/export.csv")
@requires(Role.ANALYST)
def export_csv(slug: str) -> Response:
    db = get_db()
    try:
        versions = versions_newest_first(db, slug)
    except UnknownQuestionnaire:
        abort(404)
    delimiter = ";" if request.args.get("delimiter") == "semicolon" else ","
    bom = request.args.get("bom") == "yes"
    audit.record(db, actor(), "export", slug, format="csv", delimiter=delimiter)
    db.commit()

    def generate() -> Iterator[str]:
        if bom:
            yield "\ufeff"  # Excel then reads the file as UTF-8
        yield from iter_csv_text(versions, iter_records(db, slug), delimiter)

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-{stamp}.csv"'
    return response
