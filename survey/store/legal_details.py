"""The city behind the survey: who it is, who is responsible for the data, on which legal
ground, and where to complain. Entered by an admin in the staff area (German; shown to
respondents as entered, marked as German), stored in one row; a questionnaire is published only
once the mandatory details are there (``missing``).

Plain Python over a SQLAlchemy session: no Flask.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.problems import Problem, Where, staff_text
from survey.store.models import LegalDetailsRow

# The state data protection authority of North Rhine-Westphalia, the supervisory authority of
# every NRW municipality: its public name only. Its address is for the admin to add.
DEFAULT_SUPERVISORY_AUTHORITY = "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)"

# The legal basis (code -> the German wording respondents read; legal citations stay German).
LEGAL_BASES: dict[str, str] = {
    "public_task": "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW "
                   "(Verarbeitung zur Wahrnehmung einer Aufgabe im öffentlichen Interesse)",
    "consent": "Art. 6 Abs. 1 lit. a DSGVO (Einwilligung); soweit besondere Kategorien personenbezogener Daten "
               "betroffen sind (z. B. Gesundheit, Herkunft, Religion), Art. 9 Abs. 2 lit. a DSGVO (ausdrückliche Einwilligung)",
    "other": "",  # the free text says which
}

# field -> the longest text accepted
LIMITS: dict[str, int] = {
    "municipality_name": 200, "office_name": 300, "office_address": 1000, "office_email": 254, "office_phone": 100,
    "dpo_contact": 1000, "dpo_email": 254, "legal_basis": 32, "legal_basis_text": 2000, "answer_retention": 1000,
    "supervisory_authority": 1000, "legal_notice": 5000,
}
# What the law requires before a survey goes live (GDPR Art. 13, § 5 DDG).
REQUIRED = ("municipality_name", "office_name", "office_address", "office_email", "dpo_email", "legal_basis",
            "supervisory_authority", "legal_notice")
EMAILS = ("office_email", "dpo_email")
SINGLE_LINE = ("municipality_name", "office_name", "office_email", "office_phone", "dpo_email", "legal_basis")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


@dataclass(frozen=True)
class LegalDetails:
    municipality_name: str = ""
    office_name: str = ""
    office_address: str = ""
    office_email: str = ""
    office_phone: str = ""
    dpo_contact: str = ""
    dpo_email: str = ""
    legal_basis: str = ""
    legal_basis_text: str = ""
    answer_retention: str = ""
    supervisory_authority: str = DEFAULT_SUPERVISORY_AUTHORITY
    legal_notice: str = ""

    @property
    def legal_basis_wording(self) -> str:
        """The chosen basis in German (empty for "other": the free text says it)."""
        return LEGAL_BASES.get(self.legal_basis, "")

    def missing(self) -> list[str]:
        """The mandatory fields still empty, in the form's order."""
        missing = [name for name in REQUIRED if not getattr(self, name).strip()]
        if self.legal_basis == "other" and not self.legal_basis_text.strip():
            missing.append("legal_basis_text")
        return missing

    @property
    def complete(self) -> bool:
        return not self.missing()

    def values(self) -> dict[str, str]:
        return asdict(self)


FIELDS = tuple(f.name for f in fields(LegalDetails))


@dataclass(frozen=True)
class Logo:
    content: bytes
    media_type: str
    updated_at: dt.datetime

    @property
    def extension(self) -> str:
        return "png" if self.media_type == "image/png" else "jpg"


def _row(session: Session) -> LegalDetailsRow | None:
    return session.scalar(select(LegalDetailsRow).where(LegalDetailsRow.id == 1))


def current(session: Session) -> LegalDetails:
    """The stored details; before an admin saved any, the defaults (the NRW supervisory
    authority, everything else empty)."""
    row = _row(session)
    if row is None:
        return LegalDetails()
    return LegalDetails(**{name: getattr(row, name) or "" for name in FIELDS})


def _clean(name: str, value: str) -> str:
    if name in SINGLE_LINE:
        return " ".join(value.split())
    lines = [line.rstrip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def parse(form: Mapping[str, str]) -> tuple[LegalDetails, list[Problem]]:
    """The details a form posted, cleaned (spaces, line ends), and every problem with them.
    Empty mandatory fields are no problem here: the details may be saved step by step, and
    publishing says what is still missing."""
    values = {name: _clean(name, str(form.get(name, ""))) for name in FIELDS}
    problems: list[Problem] = []
    for name, text in values.items():
        if len(text) > LIMITS[name]:
            problems.append(Problem("too_long", staff_text("This text is longer than %(limit)s characters."),
                                    {"limit": LIMITS[name]}, where=Where(field=name)))
    for name in EMAILS:
        if values[name] and not _EMAIL.match(values[name]):
            problems.append(Problem("not_an_email", staff_text("%(value)s is not an e-mail address."),
                                    {"value": values[name][:100]}, where=Where(field=name)))
    if values["legal_basis"] and values["legal_basis"] not in LEGAL_BASES:
        problems.append(Problem("unknown_legal_basis", staff_text("Choose one of the legal bases listed."),
                                where=Where(field="legal_basis")))
    return LegalDetails(**values), problems


def save(session: Session, details: LegalDetails) -> list[str]:
    """Store ``details``; returns the names of the fields that changed (flushed)."""
    row = _row(session)
    before = current(session)
    if row is None:
        row = LegalDetailsRow(id=1, logo_type="")
        session.add(row)
    changed = [name for name in FIELDS if getattr(before, name) != getattr(details, name)]
    for name in FIELDS:
        setattr(row, name, getattr(details, name))
    session.flush()
    return changed


def logo(session: Session) -> Logo | None:
    row = _row(session)
    if row is None or not row.logo:
        return None
    return Logo(bytes(row.logo), row.logo_type, row.updated_at)


def set_logo(session: Session, content: bytes, media_type: str) -> None:
    """Keep a logo already checked and encoded anew (survey.files.checked_logo)."""
    row = _row(session)
    if row is None:
        row = LegalDetailsRow(id=1, **{name: getattr(LegalDetails(), name) for name in FIELDS})
        session.add(row)
    row.logo, row.logo_type = content, media_type
    row.updated_at = dt.datetime.now(dt.UTC)
    session.flush()


def remove_logo(session: Session) -> bool:
    row = _row(session)
    if row is None or not row.logo:
        return False
    row.logo, row.logo_type = None, ""
    session.flush()
    return True
