"""What an analyst asked for (questionnaire, filter, codes or labels) and what every writer
needs to fulfil it: the versions, the labels, the number of rows and the rows themselves."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from survey.exports.filters import check_filter, filter_from_options
from survey.exports.labels import DEFAULT_LABEL_LANGUAGE, Labels
from survey.files import INTERNATIONAL, CsvDialect
from survey.questionnaire.model import Questionnaire
from survey.store.responses import ResponseFilter, ResponseRecord, count_responses, iter_responses, load_versions

# Called with (rows done, rows in total) every PROGRESS_EVERY rows and once at the end.
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class ExportRequest:
    """``threshold`` is the installation's checked SURVEY_SUPPRESSION_THRESHOLD, handed in by
    whoever asks (a view, a CLI command, a queued job's stored options): aggregated formats hide
    cells below it, and nothing here reads a setting of its own."""

    slug: str
    export_filter: ResponseFilter = field(default_factory=ResponseFilter)
    labels: bool = False  # answers as labels in label_language instead of codes
    label_language: str = DEFAULT_LABEL_LANGUAGE
    # CSV only: separator, byte order mark, decimal separator, dates. The staff area asks for
    # German Excel's unless told otherwise; the CLI and this default write the international one.
    csv_dialect: CsvDialect = INTERNATIONAL
    extra: Mapping[str, Any] = field(default_factory=dict)  # options of formats added later
    threshold: int = field(kw_only=True)

    def to_options(self) -> dict[str, Any]:
        """JSON-safe, for ExportJob.options and the audit log."""
        return {"filter": self.export_filter.to_options(), "labels": "labels" if self.labels else "codes",
                "label_language": self.label_language, **self.csv_dialect.to_options(),
                "extra": dict(self.extra), "threshold": self.threshold}

    @classmethod
    def from_options(cls, slug: str, options: Mapping[str, Any]) -> ExportRequest:
        """Refuses options without a threshold (a job queued before they had one): guessing one
        could publish smaller cells than the installation allows. Options stored before CSV
        dialects existed give the international dialect with their separator and byte order mark
        (what such a job wrote)."""
        if "threshold" not in options:
            raise ValueError("The export was queued without a suppression threshold; start it again.")
        return cls(slug, filter_from_options(options.get("filter")), options.get("labels") == "labels",
                   options.get("label_language") or DEFAULT_LABEL_LANGUAGE, CsvDialect.from_options(options),
                   options.get("extra") or {}, threshold=int(options["threshold"]))


@dataclass
class PreparedExport:
    """The request resolved against the database; ``records()`` streams the rows."""

    session: Session
    request: ExportRequest
    versions: list[Questionnaire]
    labels: Labels  # always there: headers and codebooks need texts even when values are codes

    @cached_property
    def total(self) -> int:
        """How many responses match (counted on first use: a streamed CSV never needs it)."""
        return count_responses(self.session, self.request.slug, self.request.export_filter)

    @property
    def value_labels(self) -> Labels | None:
        """The labels to put in place of codes, or None for codes."""
        return self.labels if self.request.labels else None

    def records(self, progress: Progress | None = None) -> Iterator[ResponseRecord]:
        done = 0
        for record in iter_responses(self.session, self.request.slug, self.request.export_filter):
            yield record
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, max(done, self.total))
        if progress is not None:
            progress(done, done)


def prepare(session: Session, request: ExportRequest) -> PreparedExport:
    """Check the request against the questionnaire. Raises UnknownQuestionnaire, FilterError or
    UnknownLabelLanguage with a specific message."""
    by_number = load_versions(session, request.slug)
    versions = list(by_number.values())
    check_filter(request.export_filter, versions, by_number)
    labels = Labels(versions, request.label_language)
    return PreparedExport(session, request, versions, labels)
