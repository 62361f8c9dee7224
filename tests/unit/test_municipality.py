"""Districts and integration fields: CSV/XLSX import with row-level errors, the admin page."""
from __future__ import annotations

import pytest

from survey.files import TableImportError
from survey.store import municipality


def test_district_errors_name_row_and_column():
    raw = b"code;name;parent\nnord;Nord;\nNord 2;;\nnord;Doppelt;\n"
    with pytest.raises(TableImportError) as caught:
        municipality.parse_districts(raw, "districts.csv")
    found = {(p.where.row, p.where.column or None) for p in caught.value.problems}
    assert {(3, "code"), (3, "name"), (4, "code")} <= found
    assert "first in row 2" in str(caught.value)


def test_field_errors_name_row_and_column():
    with pytest.raises(TableImportError) as caught:
        municipality.parse_fields(b"code,label_de,label_xx\nwork,,Arbeit\n", "fields.csv")
    found = {(p.where.row, p.where.column or None) for p in caught.value.problems}
    assert {(1, "label_xx"), (2, "label_de")} <= found
