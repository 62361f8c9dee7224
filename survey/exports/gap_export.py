"""The needs-versus-offers matrix as CSV: one row per district x field, then the city totals.
Suppressed figures are ".", as in the other aggregated exports."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from survey.analysis.gaps import GapMatrix
from survey.exports.aggregate_export import frame_csv
from survey.files import INTERNATIONAL, CsvDialect

if TYPE_CHECKING:
    from survey.exports.request import PreparedExport, Progress


def gap_csv_text(matrix: GapMatrix, field_names: Mapping[str, str] | None = None,
                 dialect: CsvDialect = INTERNATIONAL) -> str:
    """The matrix as CSV text in ``dialect`` (its byte order mark included). District and field
    names are typed by staff: neutralised like every text cell."""
    return frame_csv(matrix.to_frame(field_names), dialect)


def write_gap(prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
    """The export-format entry (``survey export SLUG --format gap``): the matrix over all
    responses of the questionnaire, field names in the label language. Returns the number of
    responses it summarises."""
    from survey.analysis.gap_source import NotANeedsQuestionnaire, gap_matrix_for
    from survey.exports.formats import FormatNotApplicable
    from survey.store.municipality import field_labels

    try:
        matrix = gap_matrix_for(prepared.session, prepared.request.slug, prepared.request.threshold)
    except NotANeedsQuestionnaire:
        raise FormatNotApplicable(f"'{prepared.request.slug}' declares no 'need' in any section, so there are no needs to "
                                  "compare with offers (see docs/questionnaire-format.md).") from None
    names = field_labels(prepared.session, prepared.request.label_language)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(gap_csv_text(matrix, names, prepared.request.csv_dialect))
    if progress is not None:
        progress(matrix.responses, matrix.responses)
    return matrix.responses
