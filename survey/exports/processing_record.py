"""The record of processing activities (GDPR Art. 30, "Verzeichnis von Verarbeitungstätigkeiten")
and a sheet preparing the data protection impact assessment (Art. 35), in German, for the city's
data protection officer: a draft generated from this installation, never a finished legal text.

What is stored is read from the models themselves (every table and column), retention and
thresholds from the settings handed in, the city's details from survey.store.legal_details:
change a setting and the document changes with it. A table the notes below do not describe makes
``describe_tables`` fail, so a new table cannot slip into the database without appearing here.
Plain Jinja2, no Flask; survey.exports.report_pdf lays it out as PDF.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from survey.store.accounts import MAX_FAILED_LOGINS, Role
from survey.store.legal_details import LegalDetails
from survey.store.models import Base

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE.parent / "static" / "report.css"


@dataclass(frozen=True)
class RecordSettings:
    """The settings the document quotes (survey/web/config.py), handed in by the caller."""

    draft_days: int
    contact_days: int
    threshold: int
    staff_session_hours: int
    rate_limit_submissions: int
    rate_limit_client_submissions: int
    rate_limit_logins: int
    secure_cookies: bool
    database: str  # "SQLite" or "PostgreSQL"
    public_base_url: str = ""


@dataclass(frozen=True)
class TableNote:
    """What a table is for, whose data it holds, and how long it is kept (German)."""

    title: str
    persons: str
    personal: bool  # holds personal data (or data that may be personal)
    retention: str  # a template: {draft_days}, {contact_days}, {answer_retention}


# Every table of survey.store.models, described. Retention texts name settings, never numbers.
TABLE_NOTES: dict[str, TableNote] = {
    "draft": TableNote("Entwürfe (noch nicht abgeschickte Antworten)", "Befragte", True,
                       "{draft_days} Tage nach dem letzten Speichern: danach nicht mehr abrufbar und vom Server selbst gelöscht "
                       "(regelmäßige Bereinigung, ohne Cronjob); beim Abschicken oder „Meine Antworten löschen“ sofort"),
    "response": TableNote("Abgeschickte Antworten", "Befragte", True, "{answer_retention}"),
    "contact_request": TableNote("Kontaktwünsche („Eine Beraterin darf mich kontaktieren“), getrennt von den Antworten",
                                 "Ratsuchende", True, "{contact_days} Tage nach Erledigung: danach nicht mehr angezeigt und vom "
                                 "Server selbst gelöscht"),
    "staff_user": TableNote("Konten der Beschäftigten", "Beschäftigte der Kommune", True,
                            "bis zur Löschung oder Deaktivierung des Kontos"),
    "audit_event": TableNote("Protokoll der Handlungen von Beschäftigten (nie von Befragten)", "Beschäftigte der Kommune", True,
                             "keine automatische Löschung: Frist vom Verantwortlichen festzulegen"),
    "rate_limit_bucket": TableNote("Zähler gegen Überlastung, ohne IP-Adressen: der Schlüssel nennt, was begrenzt wird, je Gerät "
                                   "ein Schlüssel-Hash, der jede Minute wechselt", "keine", False,
                                   "Zähler einzelner Geräte nur für das laufende Zeitfenster von einer Minute, danach gelöscht"),
    "export_job": TableNote("Exportaufträge (Dateiname, Optionen, wer exportiert hat)", "Beschäftigte der Kommune", True,
                            "sieben Tage, dann mit der Exportdatei vom Server selbst gelöscht"),
    "aggregate_snapshot": TableNote("Zusammengefasste, unterdrückte Ergebnisse nach Löschung der Rohdaten", "keine (aggregiert)", False,
                                    "dauerhaft (keine Einzelangaben)"),
    "questionnaire": TableNote("Fragebögen", "keine", False, "dauerhaft"),
    "questionnaire_version": TableNote("Fassungen der Fragebögen", "keine", False, "dauerhaft"),
    "channel": TableNote("Verteilwege (Codes in Links, z. B. eines Flyers)", "keine", False, "dauerhaft"),
    "translation_status": TableNote("Stand der Übersetzungen", "keine", False, "dauerhaft"),
    "district": TableNote("Stadtteile der Kommune", "keine", False, "dauerhaft"),
    "integration_field": TableNote("Handlungsfelder", "keine", False, "dauerhaft"),
    "offer": TableNote("Beratungs- und Unterstützungsangebote (Anbieter, dienstliche Kontaktdaten)",
                       "Ansprechpersonen von Anbietern (dienstlich)", True, "bis zur Archivierung oder Löschung durch Beschäftigte"),
    "housekeeping": TableNote("Zeitpunkt der letzten regelmäßigen Bereinigung (Löschen abgelaufener Daten)", "keine", False,
                              "dauerhaft (eine Zeile je Aufgabe)"),
    "legal_details": TableNote("Rechtliche Angaben der Kommune (diese Angaben)", "Datenschutzbeauftragte (dienstlich)", False,
                               "dauerhaft"),
}

ROLE_NOTES: dict[str, str] = {
    Role.ADMIN: "Konten, Stadtteile und Handlungsfelder, rechtliche Angaben, Protokoll, Löschen von Rohdaten",
    Role.DESIGNER: "Fragebögen, Übersetzungen, Verteilung, Angebote; keine Ergebnisse",
    Role.ANALYST: "Ergebnisse und Exporte (Tabellen mit Mindestfallzahl; Rohdaten-Exporte ohne Namen)",
    Role.COUNSELLOR: "Kontaktwünsche von Ratsuchenden; keine Antworten",
}


class UndescribedTable(RuntimeError):
    """A table of the models has no note in TABLE_NOTES."""


def describe_tables() -> list[dict[str, Any]]:
    """Every table of the database with its columns (from the models) and its note, respondents'
    data first."""
    missing = sorted(set(Base.metadata.tables) - set(TABLE_NOTES))
    if missing:
        raise UndescribedTable(f"describe these tables in survey/exports/processing_record.py: {', '.join(missing)}")
    tables = Base.metadata.tables
    return [{"name": name, "note": note, "columns": [column.name for column in tables[name].columns]}
            for name, note in TABLE_NOTES.items() if name in tables]


def render_record(details: LegalDetails, settings: RecordSettings, role_counts: dict[str, int],
                  today: dt.date | None = None, stylesheet_href: str | None = None) -> str:
    """The record and the DPIA sheet as one German HTML document. ``stylesheet_href``: link the
    print stylesheet (the staff area) instead of embedding it (the PDF)."""
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    answer_retention = details.answer_retention or (
        "nicht festgelegt: bis zum Abschluss der Auswertung (so steht es in der Datenschutzerklärung); Rohdaten löschen Beschäftigte "
        "mit der Rolle admin nach dem Schließen des Fragebogens, zusammengefasste Ergebnisse bleiben")
    values = {"draft_days": settings.draft_days, "contact_days": settings.contact_days, "answer_retention": answer_retention}
    tables = [{**table, "retention": table["note"].retention.format(**values)} for table in describe_tables()]
    return environment.get_template("processing_record.html").render(
        details=details, settings=settings, tables=tables, personal=[t for t in tables if t["note"].personal],
        roles=[(role.value, ROLE_NOTES[role], role_counts.get(role.value, 0)) for role in Role],
        max_failed_logins=MAX_FAILED_LOGINS, today=today or dt.date.today(),
        stylesheet_href=stylesheet_href, stylesheet=None if stylesheet_href else STYLESHEET.read_text(encoding="utf-8"),
    )
