"""Offers in the database: create, update, archive, verify, approve and reject (validated by
survey.offers.inventory first), the listings, the table import's writing and a provider's
submission becoming a pending offer. Operations flush; the caller commits once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.offers.importing import parse_offer_table
from survey.offers.intake import offer_input_from_answers
from survey.offers.inventory import CityCodes, OfferInput, OfferInvalid, is_stale, validate
from survey.offers.matching import PUBLISHED, serves_district
from survey.questionnaire.model import Questionnaire
from survey.store import municipality
from survey.store.models import Offer, Response


def offer_input(offer: Offer) -> OfferInput:
    """The stored offer's values, as a form or an update starts from them."""
    values = {f.name: getattr(offer, f.name) for f in dataclass_fields(OfferInput)}
    for name in ("title", "description"):
        values[name] = dict(values[name] or {})
    for name in ("fields", "districts", "target_groups", "languages"):
        values[name] = list(values[name] or [])
    return OfferInput(**values)


def _apply(data: OfferInput, offer: Offer) -> None:
    for f in dataclass_fields(data):
        value = getattr(data, f.name)
        # Fresh containers: JSON columns notice a change only when a new object is assigned.
        setattr(offer, f.name, dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value)


def city_codes(session: Session) -> CityCodes:
    return CityCodes(tuple(f.code for f in municipality.list_fields(session)),
                     tuple(d.code for d in municipality.list_districts(session)))


def _checked(session: Session, data: OfferInput, today: dt.date | None, codes: CityCodes | None) -> OfferInput:
    problems = validate(data, codes or city_codes(session), today)
    if problems:
        raise OfferInvalid(problems)
    return data.normalized()


def create_offer(session: Session, data: OfferInput, source: str = "staff", today: dt.date | None = None,
                 codes: CityCodes | None = None) -> Offer:
    """Add a valid offer (raises ``OfferInvalid`` before adding anything); flush only."""
    clean = _checked(session, data, today, codes)
    offer = Offer(source=source)
    _apply(clean, offer)
    session.add(offer)
    session.flush()
    return offer


def update_offer(session: Session, offer: Offer, data: OfferInput, today: dt.date | None = None,
                 codes: CityCodes | None = None) -> bool:
    """Replace the offer's values; returns whether anything changed."""
    clean = _checked(session, data, today, codes)
    if offer_input(offer).normalized() == clean:
        return False
    _apply(clean, offer)
    session.flush()
    return True


def archive_offer(session: Session, offer: Offer) -> None:
    offer.status = "archived"
    session.flush()


def verify_offer(session: Session, offer: Offer, today: dt.date | None = None) -> None:
    """Staff checked the offer: it counts as verified today."""
    offer.last_verified_on = today or dt.date.today()
    session.flush()


def approve_offer(session: Session, offer: Offer, today: dt.date | None = None) -> None:
    """A reviewed provider submission: published and verified today. Raises ``OfferInvalid``
    when it still lacks what a published offer needs (e.g. the German title)."""
    data = offer_input(offer)
    data.status = "published"
    data.last_verified_on = today or dt.date.today()
    update_offer(session, offer, data, today)


def reject_offer(session: Session, offer: Offer) -> None:
    archive_offer(session, offer)


def published_offers(session: Session) -> list[Offer]:
    """What the public sees and the gap analysis counts: published offers, oldest first."""
    return list(session.scalars(select(Offer).where(Offer.status == PUBLISHED).order_by(Offer.id)))


def list_offers(session: Session, status: str | None = None, field_code: str | None = None,
                district: str | None = None, language: str | None = None, stale: bool | None = None,
                today: dt.date | None = None) -> list[Offer]:
    """Offers by provider and title; filters combine. ``district`` includes city-wide offers."""
    query = select(Offer).order_by(Offer.provider_name, Offer.id)
    if status:
        query = query.where(Offer.status == status)
    found = []
    for offer in session.scalars(query):
        if field_code and field_code not in (offer.fields or []):
            continue
        if district and not serves_district(offer, district):
            continue
        if language and language not in (offer.languages or []):
            continue
        if stale is not None and is_stale(offer, today) != stale:
            continue
        found.append(offer)
    return found


def count_by_status(session: Session) -> dict[str, int]:
    # A list of rows: dict() of the result itself would take it for a mapping (it has keys()).
    rows = session.execute(select(Offer.status, func.count()).group_by(Offer.status)).all()
    return dict(rows)


def offer_label(offer: Offer) -> str:
    """For audit entries and messages: the German title (or any) and the provider."""
    title = (offer.title or {}).get("de") or next(iter((offer.title or {}).values()), "")
    return f"offer {offer.id}: {title} ({offer.provider_name})"[:255]


@dataclass(frozen=True)
class OfferImportReport:
    added: tuple[int, ...]
    updated: tuple[int, ...]
    unchanged: tuple[int, ...]


def import_offers(session: Session, raw: bytes, file_name: str, today: dt.date | None = None) -> OfferImportReport:
    """Validate the whole table (``TableImportError`` names every problem), then save every row:
    a row with an id updates that offer, one without updates the offer with the same provider
    and German title or adds a new one. Flush only; the caller commits once."""
    codes = city_codes(session)
    existing = {offer.id: offer for offer in session.scalars(select(Offer))}
    rows = parse_offer_table(raw, file_name, codes,
                             {id_: (o.provider_name, (o.title or {}).get("de", "")) for id_, o in existing.items()}, today)
    added, updated, unchanged = [], [], []
    for target_id, data in rows:
        if target_id is None:
            added.append(create_offer(session, data, source="import", today=today, codes=codes).id)
        elif update_offer(session, existing[target_id], data, today, codes):
            updated.append(target_id)
        else:
            unchanged.append(target_id)
    return OfferImportReport(tuple(added), tuple(updated), tuple(unchanged))


def offer_from_response(session: Session, questionnaire: Questionnaire, response: Response) -> Offer | None:
    """The pending offer for a just-submitted response (None: the questionnaire maps nothing);
    flush only, in the submit's transaction. Nothing is refused here: staff review it."""
    if not questionnaire.offer_mapping:
        return None
    data = offer_input_from_answers(questionnaire.offer_mapping, response.answers or {}, response.language).normalized()
    if not data.provider_name:
        data.provider_name = "?"  # a required column; the review shows it is missing
    offer = Offer(source="questionnaire", source_response_id=response.id)
    _apply(data, offer)
    offer.status = "pending"
    session.add(offer)
    session.flush()
    return offer
