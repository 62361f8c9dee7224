"""Needs versus offers: the heat map of gaps per district and field, and the offers of a cell."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask import Response, abort, render_template, request
from flask_babel import get_locale

from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.csv_choice import requested_dialect
from survey.staff.questionnaires import questionnaire_row
from survey.store import audit
from survey.store.accounts import Role
from survey.store.municipality import field_labels
from survey.web.config import current_threshold
from survey.web.request_db import get_db

if TYPE_CHECKING:
    from survey.analysis.gaps import GapMatrix  # pandas: loaded when a matrix is drawn


def _field_names() -> dict[str, str]:
    language = str(get_locale() or "de")
    return field_labels(get_db(), language)


def _matrix(slug: str) -> GapMatrix | None:
    from survey.analysis.gap_source import NotANeedsQuestionnaire, gap_matrix_for

    questionnaire_row(slug)  # 404 for an unknown questionnaire
    try:
        return gap_matrix_for(get_db(), slug, current_threshold())
    except NotANeedsQuestionnaire:
        return None


@bp.get("/q/<slug>/gaps")
@requires(Role.ANALYST, Role.DESIGNER)
def gap_page(slug: str) -> str:
    # Imported here, not at the top: pandas loads on the first analysis, not in every worker.
    from survey.analysis.gaps import NO_DISTRICT, gap_level

    row = questionnaire_row(slug)
    matrix = _matrix(slug)
    level = None if matrix is None else (lambda cell: gap_level(cell, matrix))
    return render_template("staff/gaps.html", row=row, matrix=matrix, field_names=_field_names(),
                           level=level, NO_DISTRICT=NO_DISTRICT)


@bp.get("/q/<slug>/gaps/<district>/<field>")
@requires(Role.ANALYST, Role.DESIGNER)
def gap_cell(slug: str, district: str, field: str) -> str:
    from survey.analysis.gaps import NO_DISTRICT, gap_level
    from survey.offers.matching import serves
    from survey.store.offers import published_offers

    row = questionnaire_row(slug)
    matrix = _matrix(slug)
    if matrix is None or field not in matrix.fields or district not in dict(matrix.districts) or district == NO_DISTRICT:
        abort(404)
    cell = matrix.cell(district, field)
    offers = [o for o in published_offers(get_db()) if serves(o, field, district)]
    return render_template("staff/gap_cell.html", row=row, matrix=matrix, cell=cell, offers=offers,
                           district_name=dict(matrix.districts)[district], field_names=_field_names(),
                           level=gap_level(cell, matrix))


@bp.get("/q/<slug>/gaps.csv")
@requires(Role.ANALYST)
def gap_csv(slug: str) -> Response:
    from survey.exports.gap_export import gap_csv_text

    matrix = _matrix(slug)
    if matrix is None:
        abort(404)
    db = get_db()
    dialect = requested_dialect(request.args)
    audit.record(db, actor(), "export", slug, format="gap", csv_dialect=dialect.name)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    response = Response(gap_csv_text(matrix, _field_names(), dialect), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-gaps-{stamp}.csv"'
    return response
