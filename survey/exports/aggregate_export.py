"""The ``aggregate`` export format: the tidy, suppressed aggregate as CSV (see
survey.analysis.aggregate). Hidden cells are "."; the filter of the export request applies."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey.analysis.aggregate import aggregate, to_csv
from survey.analysis.frames import build_frame, iter_rows
from survey.exports.request import PreparedExport, Progress
from survey.files import CSV_QUOTING, neutralize
from survey.store.responses import load_versions


def write_aggregate(prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
    """Registry writer: aggregate of the filtered responses into ``path``; returns their number."""
    versions = load_versions(prepared.session, prepared.request.slug)
    rows = ((r.questionnaire_version, r.language, r.channel, r.submitted_utc, r.answers)
            for r in prepared.records(progress))
    frame = build_frame(rows, versions)
    table = aggregate(frame, list(versions.values()), prepared.request.threshold)
    _write(table, path, prepared.request.delimiter, prepared.request.bom)
    return len(frame)


def aggregate_csv(session: Session, slug: str, threshold: int) -> tuple[str, int]:
    """The suppressed aggregate CSV of every response of ``slug`` and how many it summarises."""
    versions = load_versions(session, slug)
    frame = build_frame(iter_rows(session, slug), versions)
    table = aggregate(frame, list(versions.values()), threshold)
    return to_csv(_neutralized(table)), len(frame)


def _neutralized(table: Any) -> Any:
    # Codes come from the questionnaire file, which a designer wrote: neutralise like every export.
    table = table.copy()
    for column in ("question", "section", "field", "option", "group"):
        table[column] = table[column].map(neutralize)
    return table


def _write(table: Any, path: Path, delimiter: str = ",", bom: bool = False) -> None:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        _neutralized(table).to_csv(handle, index=False, sep=delimiter, lineterminator="\n", quoting=CSV_QUOTING)
