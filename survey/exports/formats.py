"""The export formats by name: the CLI (``survey export --format NAME``), the staff export page
and the background jobs all look a format up here.

Adding a format takes one line at the end of this file::

    register(ExportFormat("aggregate", "csv", "text/csv", "survey.exports.aggregate:write_aggregate",
                          "Aggregated results with small-cell suppression (CSV)"))

The writer is named as ``"module:function"`` and imported on first use (so pandas or pyreadstat
load only when a format needs them). It is called as ``writer(prepared, path, progress)``:

- ``prepared``: a ``survey.exports.request.PreparedExport``: the session, the request (slug,
  ``export_filter``, ``labels``, ``label_language``, ``delimiter``, ``bom``, and ``extra`` for
  format-specific options), the versions newest first, ``labels`` (texts in the label
  language), ``total`` (rows expected) and ``records(progress)``, the filtered responses streamed
  in submission order;
- ``path``: the file to write (the caller moves it into place when the writer returns);
- ``progress``: ``None`` or a callable ``(rows_done, rows_total)``; ``prepared.records(progress)``
  calls it for you.

It returns the number of responses written. Every text cell goes through
``survey.files.neutralize``. ``background=False`` marks a format the staff page streams
directly (CSV) instead of running it as a background job.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from survey.exports.request import PreparedExport, Progress

Writer = Callable[[PreparedExport, Path, "Progress | None"], int]


class UnknownFormat(LookupError):
    pass


class FormatNotApplicable(ValueError):
    """The format makes no sense for this questionnaire (e.g. ``gap`` without declared needs);
    the message says why, for the person who asked."""


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str  # of the file name, without the dot
    mimetype: str
    writer: str  # "module:function"
    description: str  # English; the staff page shows its own translation for built-in formats
    background: bool = True  # False: small or streamed, the web page sends it at once

    def load_writer(self) -> Writer:
        module_name, _, function = self.writer.partition(":")
        writer: Writer = getattr(importlib.import_module(module_name), function)
        return writer

    def write(self, prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
        return self.load_writer()(prepared, path, progress)


FORMATS: dict[str, ExportFormat] = {}


def register(export_format: ExportFormat) -> ExportFormat:
    FORMATS[export_format.name] = export_format
    return export_format


def get_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormat(name) from None


register(ExportFormat("csv", "csv", "text/csv", "survey.exports.csv_export:write_csv_file",
                      "One row per response (CSV)", background=False))
register(ExportFormat("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      "survey.exports.xlsx_export:write_xlsx", "Excel workbook with a labels sheet (.xlsx)"))
register(ExportFormat("sav", "sav", "application/x-spss-sav", "survey.exports.sav_export:write_sav",
                      "SPSS data file with variable and value labels (.sav)"))
register(ExportFormat("codebook", "csv", "text/csv", "survey.exports.codebook:write_codebook",
                      "Codebook: every variable, its question and options (CSV)", background=False))
register(ExportFormat("aggregate", "csv", "text/csv", "survey.exports.aggregate_export:write_aggregate",
                      "Aggregated results with small-cell suppression (CSV)"))
register(ExportFormat("gap", "csv", "text/csv", "survey.exports.gap_export:write_gap",
                      "Needs versus offers per district and integration field (CSV)", background=False))
