"""The needs-versus-offers matrix as CSV: one row per district x field, then the city totals.
Suppressed figures are ".", as in the other aggregated exports."""
from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from survey.analysis.gaps import GapMatrix
from survey.files import CSV_QUOTING, neutralize

if TYPE_CHECKING:
    from survey.exports.request import PreparedExport, Progress


def write_gap_csv(matrix: GapMatrix, out: TextIO, field_names: Mapping[str, str] | None = None) -> int:
    frame = matrix.to_frame(field_names)
    # District and field names are typed by staff: neutralise them like any other text cell.
    for column in ("district_name", "field_name"):
        frame[column] = frame[column].map(neutralize)
    frame.to_csv(out, index=False, lineterminator="\n", quoting=CSV_QUOTING)
    return len(frame)


def gap_csv_text(matrix: GapMatrix, field_names: Mapping[str, str] | None = None) -> str:
    out = io.StringIO()
    write_gap_csv(matrix, out, field_names)
    return out.getvalue()


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
        if prepared.request.bom:
            out.write("\ufeff")
        write_gap_csv(matrix, out, names)
    if progress is not None:
        progress(matrix.responses, matrix.responses)
    return matrix.responses
