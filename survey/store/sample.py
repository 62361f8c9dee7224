"""The fictional sample municipality (samples/musterstadt): districts, default fields, offers,
and invented legal details (legal-details.yaml), so a questionnaire can be published at once.

Each part is loaded only into an empty table, so running it again, or on a database where the
city already entered its own data, changes nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.store import legal_details, municipality
from survey.store.models import District, Offer
from survey.store.offers import import_offers

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "samples" / "musterstadt"
# The sample's most recent verification is moved to this many days before the day it is loaded
# (the others keep their distance to it): loaded in any year, most sample offers are fresh and a
# few are due for checking, as the CSV shows them, instead of all turning stale with time.
NEWEST_VERIFICATION_AGE_DAYS = 60


@dataclass(frozen=True)
class SampleReport:
    districts: int
    fields: int
    offers: int
    legal_details: bool = False  # the sample's legal details were filled in


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def load_sample(session: Session, directory: Path = SAMPLE_DIR, today: dt.date | None = None) -> SampleReport:
    """Load what is missing; flush only (the caller commits). Raises ``TableImportError`` when
    a sample file is invalid, before anything of that file is added."""
    districts = load_sample_districts(session, directory)
    fields = municipality.ensure_default_fields(session)
    offers = 0
    if not _count(session, Offer) and (directory / "offers.csv").exists():
        path = directory / "offers.csv"
        added = import_offers(session, path.read_bytes(), path.name).added
        _move_verifications_to_today(session, added, today or dt.date.today())
        offers = len(added)
    legal = False
    if legal_details.current(session) == legal_details.LegalDetails() and (directory / "legal-details.yaml").exists():
        legal_details.save(session, sample_legal_details(directory))
        legal = True
    return SampleReport(districts, fields, offers, legal)


def load_sample_districts(session: Session, directory: Path = SAMPLE_DIR) -> int:
    """The sample town's districts (with their names in every language), only into an empty
    list; returns how many were added. The bundled questionnaire offers the city's list."""
    if _count(session, District) or not (directory / "districts.csv").exists():
        return 0
    path = directory / "districts.csv"
    parsed = municipality.parse_districts(path.read_bytes(), path.name)
    return len(municipality.save_districts(session, parsed).added)


def sample_legal_details(directory: Path = SAMPLE_DIR) -> legal_details.LegalDetails:
    """The invented legal details of the sample town (for `survey load-sample`, the seeded app
    of the browser tests and the test fixtures)."""
    import yaml

    data = yaml.safe_load((directory / "legal-details.yaml").read_text(encoding="utf-8"))
    details, problems = legal_details.parse({key: str(value or "") for key, value in data.items()})
    if problems:
        raise ValueError(f"{directory / 'legal-details.yaml'}: {'; '.join(map(str, problems))}")
    return details


def _move_verifications_to_today(session: Session, offer_ids: tuple[int, ...], today: dt.date) -> None:
    offers = session.scalars(select(Offer).where(Offer.id.in_(offer_ids))).all()
    newest = max((offer.last_verified_on for offer in offers if offer.last_verified_on), default=None)
    if newest is None:
        return
    shift = today - dt.timedelta(days=NEWEST_VERIFICATION_AGE_DAYS) - newest
    if shift.days <= 0:
        return  # the file is recent enough: its dates stay as written
    for offer in offers:
        if offer.last_verified_on is not None:
            offer.last_verified_on += shift
    session.flush()
