"""The fictional sample municipality (samples/musterstadt): districts, default fields, offers.

Each part is loaded only into an empty table, so running it again, or on a database where the
city already entered its own data, changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import municipality
from survey.models import District, Offer
from survey.offers.importing import import_offers

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "samples" / "musterstadt"


@dataclass(frozen=True)
class SampleReport:
    districts: int
    fields: int
    offers: int


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def load_sample(session: Session, directory: Path = SAMPLE_DIR) -> SampleReport:
    """Load what is missing; flush only (the caller commits). Raises ``TableImportError`` when
    a sample file is invalid, before anything of that file is added."""
    districts = 0
    if not _count(session, District) and (directory / "districts.csv").exists():
        path = directory / "districts.csv"
        parsed = municipality.parse_districts(path.read_bytes(), path.name)
        districts = len(municipality.save_districts(session, parsed).added)
    fields = municipality.ensure_default_fields(session)
    offers = 0
    if not _count(session, Offer) and (directory / "offers.csv").exists():
        path = directory / "offers.csv"
        offers = len(import_offers(session, path.read_bytes(), path.name).added)
    return SampleReport(districts, fields, offers)
