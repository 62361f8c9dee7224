"""Which CSV dialect a staff download asks for. Staff are German office users: every CSV the staff
area gives out opens in German Excel unless the link or form names the international dialect (for
R, Stata and pandas). See survey.files.CsvDialect."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.files import CSV_DIALECTS, GERMAN_EXCEL, INTERNATIONAL, CsvDialect


def requested_dialect(values: Mapping[str, Any]) -> CsvDialect:
    """The dialect named by ``dialect`` in the form or query, German Excel's when none is. A link
    from before dialects (``delimiter=comma``) gets the international dialect."""
    name = values.get("dialect")
    if name in CSV_DIALECTS:
        return CSV_DIALECTS[name]
    return INTERNATIONAL if values.get("delimiter") == "comma" else GERMAN_EXCEL
