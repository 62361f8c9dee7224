"""The ``aggregate`` export format: the tidy, suppressed aggregate as CSV (see
survey.analysis.aggregate). Hidden cells are "."; the filter of the export request applies."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from survey.analysis.aggregate import aggregate
from survey.analysis.frames import build_frame, iter_rows
from survey.exports.request import PreparedExport, Progress
from survey.files import INTERNATIONAL, CsvDialect
from survey.store.responses import load_versions

# The columns of the aggregate that hold numbers (or "." where suppressed).
NUMBER_COLUMNS = ("n", "count", "share")
_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+\.\d+(e-?\d+)?")


def write_aggregate(prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
    """Registry writer: aggregate of the filtered responses into ``path``; returns their number."""
    versions = load_versions(prepared.session, prepared.request.slug)
    rows = ((r.questionnaire_version, r.language, r.channel, r.submitted_utc, r.answers)
            for r in prepared.records(progress))
    frame = build_frame(rows, versions)
    table = aggregate(frame, list(versions.values()), prepared.request.threshold)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(frame_csv(table, prepared.request.csv_dialect))
    return len(frame)


def aggregate_csv(session: Session, slug: str, threshold: int, dialect: CsvDialect = INTERNATIONAL) -> tuple[str, int]:
    """The suppressed aggregate CSV of every response of ``slug`` and how many it summarises."""
    versions = load_versions(session, slug)
    frame = build_frame(iter_rows(session, slug), versions)
    table = aggregate(frame, list(versions.values()), threshold)
    return frame_csv(table, dialect), len(frame)


def frame_csv(table: Any, dialect: CsvDialect) -> str:
    """A pandas table as CSV text in ``dialect`` (the byte order mark included if it has one).
    Every text cell is neutralised: codes and names come from files and forms staff wrote."""
    return dialect.text(_frame_rows(table))


def _frame_rows(table: Any) -> Iterator[list[Any]]:
    yield [str(column) for column in table.columns]
    for values in table.itertuples(index=False, name=None):
        yield list(values)


def recode_aggregate_csv(content: str, dialect: CsvDialect) -> str:
    """A stored aggregate (an international CSV kept when raw answers were deleted) in ``dialect``:
    its counts and shares numbers again, its text cells as they were."""
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"), newline="")))
    if not rows:
        return dialect.start
    numeric = [column in NUMBER_COLUMNS for column in rows[0]]

    def value(text: str, is_number: bool) -> Any:
        if is_number and _INTEGER.fullmatch(text):
            return int(text)
        if is_number and _DECIMAL.fullmatch(text):
            return float(text)
        return text

    return dialect.text([rows[0], *([value(text, number) for text, number in zip(row, numeric, strict=False)]
                                    for row in rows[1:])])
