"""Every hostile payload (tests/hostile.py) in every cell of an offer table, through the import and
export behind /staff/offers/import, on SQLite and PostgreSQL: refused with every wrong cell named
by row and column and nothing saved, or stored exactly as written; the export neutralises formula
prefixes and reads back unchanged. tests/web/test_hostile_imports.py uploads a representative few.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from survey.files import TableImportError
from survey.offers.importing import export_offers
from survey.store.models import Offer
from survey.store.offers import import_offers, list_offers
from tests.hostile import (
    ALWAYS_INVALID,
    CODED_CELLS,
    OPTIONAL_TEXT_CELLS,
    PAYLOADS,
    TEXT_CELLS,
    VALID_ROW,
    add_city,
    assert_cells_neutralised,
    assert_offer_texts_kept_as_expected,
    offer_csv,
    offer_xlsx,
    xlsx_safe,
)


def offer_count(db) -> int:
    return int(db.scalar(select(func.count()).select_from(Offer)))


def refusal(db, raw: bytes, file_name: str) -> list[str]:
    """The import refuses the table: every problem placed at its row (and column), nothing saved."""
    before = offer_count(db)
    with pytest.raises(TableImportError) as refused:
        import_offers(db, raw, file_name)
    found = [str(problem) for problem in refused.value.problems]
    assert found and all(re.match(r"row \d+(, column \S+)?: .+", text, re.S) for text in found), found
    assert offer_count(db) == before
    return found


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_offer_import_takes_every_payload_in_every_cell(name, db):
    payload = PAYLOADS[name]
    add_city(db)

    # 1. The payload in every coded column (valid texts): refused, every such column named.
    found = refusal(db, offer_csv({**VALID_ROW, **dict.fromkeys(CODED_CELLS, payload)}), "coded.csv")
    for column in ALWAYS_INVALID:
        assert any(f"column {column}:" in text for text in found), (column, found)

    # 2. The payload in every text column, the required ones included; then (if that was
    # refused) in the optional text columns only.
    stored_in = None
    for cells in (TEXT_CELLS, OPTIONAL_TEXT_CELLS):
        raw = offer_csv({**VALID_ROW, **dict.fromkeys(cells, payload)})
        try:
            report = import_offers(db, raw, "texts.csv")
        except TableImportError:
            refusal(db, raw, "texts.csv")
            continue
        assert len(report.added) == 1
        stored_in = cells
        break
    assert_offer_texts_kept_as_expected(name, stored_in)
    if stored_in is None:
        return
    db.flush()
    db.expire_all()
    offer = db.scalars(select(Offer)).one()
    assert offer.status == "published" and offer.source == "import"
    assert offer.description["de"] == payload.strip()
    if stored_in == TEXT_CELLS:
        assert offer.provider_name == payload.strip()  # as typed

    # The export neutralises formula prefixes.
    rows = list(csv.reader(io.StringIO(export_offers(list_offers(db)))))
    assert len(rows) == 2
    assert_cells_neutralised(rows)
    if name.startswith("formula") and name != "formula_newline":
        assert any(cell.startswith("'") for cell in rows[1]), rows[1]

    # 3. The same row as XLSX updates that offer instead of adding one (same provider and title).
    xlsx_payload = xlsx_safe(payload)
    report = import_offers(db, offer_xlsx({**VALID_ROW, **dict.fromkeys(stored_in, xlsx_payload),
                                            "opening_hours": "Di 10-12"}), "texts.xlsx")
    assert len(report.updated) + len(report.added) == 1
    db.flush()
    db.expire_all()
    updated = db.scalar(select(Offer).where(Offer.opening_hours == "Di 10-12"))
    assert updated is not None and updated.description["de"] == xlsx_payload.strip()
    if xlsx_payload == payload:
        assert report.updated == (offer.id,) and offer_count(db) == 1  # updated, not duplicated

    # 4. Export -> import is a round trip: the neutralising apostrophe is taken off again.
    report = import_offers(db, export_offers(list_offers(db)).encode("utf-8"), "offers.csv")
    assert not report.added and not report.updated and len(report.unchanged) == offer_count(db)
