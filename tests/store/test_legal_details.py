"""The legal details on SQLite and PostgreSQL: one row, saved field by field, the logo's bytes
kept exactly (issue 17)."""
from __future__ import annotations

from survey.store import legal_details
from survey.store.sample import sample_legal_details


def test_details_and_logo_round_trip(db):
    assert legal_details.current(db) == legal_details.LegalDetails()
    assert legal_details.logo(db) is None
    legal_details.set_logo(db, b"\x89PNG\r\n\x1a\n\x00\xff" * 10, "image/png")  # a logo before any text
    sample = sample_legal_details()
    assert legal_details.save(db, sample) == [name for name in legal_details.FIELDS if getattr(sample, name) !=
                                              getattr(legal_details.LegalDetails(), name)]
    db.commit()
    db.expire_all()
    assert legal_details.current(db) == sample and sample.complete
    logo = legal_details.logo(db)
    assert logo is not None and logo.content == b"\x89PNG\r\n\x1a\n\x00\xff" * 10 and logo.extension == "png"
    changed = legal_details.save(db, legal_details.LegalDetails(**{**sample.values(), "legal_notice": "Neu"}))
    assert changed == ["legal_notice"]
    assert legal_details.remove_logo(db) and legal_details.logo(db) is None and not legal_details.remove_logo(db)
