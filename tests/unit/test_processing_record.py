"""The record of processing activities and the DPIA sheet are generated from the models and the
settings handed in (issue 17): a changed setting changes the document, and every table is there."""
from __future__ import annotations

import dataclasses
import re

import pytest

from survey.exports import processing_record
from survey.exports.processing_record import RecordSettings, describe_tables, render_record
from survey.store.legal_details import LegalDetails
from survey.store.models import Base

SETTINGS = RecordSettings(draft_days=30, contact_days=90, threshold=5, staff_session_hours=12, rate_limit_submissions=600,
                          rate_limit_client_submissions=60, rate_limit_logins=60, secure_cookies=False, database="SQLite")
DETAILS = LegalDetails(municipality_name="Stadt Musterstadt", dpo_email="datenschutz@example.org", legal_basis="public_task",
                       answer_retention="Ein Jahr nach Ende der Befragung.")


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_table_of_the_models_is_described_with_its_columns():
    tables = {table["name"]: table["columns"] for table in describe_tables()}
    assert set(tables) == set(Base.metadata.tables)
    assert {"answers", "token_hash", "resume_code_hash", "last_saved_on"} <= set(tables["draft"])
    assert "ip" not in " ".join(name for columns in tables.values() for name in columns).split("_")


def test_a_table_nobody_described_stops_the_document(monkeypatch):
    monkeypatch.setattr(processing_record, "TABLE_NOTES", {k: v for k, v in processing_record.TABLE_NOTES.items() if k != "draft"})
    with pytest.raises(processing_record.UndescribedTable, match="draft"):
        describe_tables()


def test_the_document_quotes_the_settings_and_the_citys_details():
    html = render_record(DETAILS, SETTINGS, {"admin": 1, "analyst": 2})
    words = text(html)
    assert "ENTWURF – von der oder dem Datenschutzbeauftragten zu prüfen." in words
    assert "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 1 DSGVO)" in words
    assert "Vorbereitung der Datenschutz-Folgenabschätzung (Art. 35 DSGVO)" in words
    assert "30 Tage nach dem letzten Speichern" in words and "90 Tage nach Erledigung" in words
    assert "mindestens 5 Befragte" in words and "Ein Jahr nach Ende der Befragung." in words
    assert "Stadt Musterstadt" in words and "datenschutz@example.org" in words
    assert "Art. 6 Abs. 1 lit. e DSGVO" in words
    assert "token_hash, resume_code_hash" in words  # the draft's columns, read from the model
    changed = text(render_record(DETAILS, dataclasses.replace(SETTINGS, draft_days=14, threshold=11, secure_cookies=True), {}))
    assert "14 Tage nach dem letzten Speichern" in changed and "30 Tage nach dem letzten Speichern" not in changed
    assert "mindestens 11 Befragte" in changed and "Cookies nur über HTTPS: eingeschaltet" in changed
