"""Offers as a respondent reads them: texts in their language (fallbacks marked), field,
district and language names, contact links. Shared by the directory and the thank-you page."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from survey.languages import LANGUAGES, Language
from survey.offers.matching import direction_of, offer_text
from survey.questionnaire.districts import ENTERED_LANGUAGE, district_options
from survey.questionnaire.model import ResolvedText, Text
from survey.store.models import Offer
from survey.store.municipality import DistrictInfo, FieldInfo, list_districts, list_fields

# The seven default fields are interface strings, translated in every respondent catalogue;
# a city's own fields use the labels staff gave them (FieldInfo.label).
DEFAULT_FIELD_LABELS = {
    "language": lazy_gettext("Language, learning German"),
    "education": lazy_gettext("Education (childcare, school, school-to-work)"),
    "work": lazy_gettext("Work, vocational training, recognition of qualifications"),
    "housing": lazy_gettext("Housing"),
    "health": lazy_gettext("Health, including mental health"),
    "legal": lazy_gettext("Residence status, legal matters, benefits"),
    "participation": lazy_gettext("Family, social life, participation, anti-discrimination"),
}
COST_LABELS = {
    "free": lazy_gettext("Free of charge"),
    "reduced": lazy_gettext("Reduced cost"),
    "paid": lazy_gettext("Costs money"),
}

BARRIER_FREE = lazy_gettext("Barrier-free access")
NOT_BARRIER_FREE = lazy_gettext("Not barrier-free")
CHILDCARE = lazy_gettext("Childcare during the advice")
ONLINE = lazy_gettext("Advice online")
BY_PHONE = lazy_gettext("Advice by phone")


@dataclass(frozen=True)
class Municipality:
    """The city's fields and districts, read once per request."""

    fields: list[FieldInfo]
    districts: list[DistrictInfo]

    @property
    def field_codes(self) -> list[str]:
        return [item.code for item in self.fields]

    @property
    def district_codes(self) -> list[str]:
        return [item.code for item in self.districts]

    def field_label(self, code: str, language: str) -> str:
        if code in DEFAULT_FIELD_LABELS:
            return str(DEFAULT_FIELD_LABELS[code])
        info = next((item for item in self.fields if item.code == code), None)
        return info.label(language, LANGUAGES[language].fallback + ("de",)) if info else code

    def district_name(self, code: str) -> str:
        return next((item.name for item in self.districts if item.code == code), code)

    def district_label(self, code: str, language: str) -> ResolvedText:
        """The district's name in ``language`` if the list has it, else as entered (German):
        ``is_fallback`` says to mark its language."""
        info = next((item for item in self.districts if item.code == code), None)
        if info is None:
            return ResolvedText(code, ENTERED_LANGUAGE, True)
        return Text(info.entry().names).resolve([language, *LANGUAGES[language].fallback, ENTERED_LANGUAGE])

    def district_groups(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each district that lies in no other with the codes of the sub-districts in it, in the
        list's order (as the district question of a questionnaire offers them)."""
        groups: dict[str, list[str]] = {}
        for option in district_options([item.entry() for item in self.districts]):
            if option.parent is None:
                groups[option.code] = []
            else:
                groups[option.parent].append(option.code)
        return [(code, tuple(subs)) for code, subs in groups.items()]

    def codes_within(self, code: str) -> set[str]:
        """``code`` and the codes of every district that lies in it, at any depth."""
        parents = {item.code: item.parent_code for item in self.districts}
        found = {code}
        for item in self.districts:
            seen, parent = {item.code}, item.parent_code
            while parent is not None and parent not in seen:
                if parent == code:
                    found.add(item.code)
                    break
                seen.add(parent)
                parent = parents.get(parent)
        return found


def municipality(session: Session) -> Municipality:
    return Municipality(list_fields(session), list_districts(session))


def marked(resolved: ResolvedText) -> Markup:
    """The text escaped; a fallback in another language carries that language's lang and dir."""
    if resolved.is_fallback and resolved.text:
        return Markup('<span lang="{}" dir="{}">{}</span>').format(
            resolved.language, direction_of(resolved.language), resolved.text)
    return escape(resolved.text)


def _tel(phone: str) -> str:
    # Only what a dialler understands; Arabic-Indic digits become ASCII digits.
    digits = "".join(str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch for ch in phone)
    return "tel:" + re.sub(r"[^0-9+]", "", digits)


def _web_link(url: str) -> str | None:
    """Only plain http(s) addresses become links (never javascript: or data:)."""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True)
class OfferView:
    offer: Offer
    title: Markup
    description: Markup
    field_labels: list[str]
    places: list[str]  # district names; empty when city-wide
    city_wide: bool
    languages: list[Language]
    cost: str
    tel: str | None
    website: str | None
    extras: list[str]  # barrier-free, childcare, online, phone: short phrases

    def __getattr__(self, name: str) -> Any:  # provider_name, childcare, ... straight from the offer
        return getattr(self.offer, name)


def present(offers: Iterable[Offer], city: Municipality, language: str) -> list[OfferView]:
    views = []
    for offer in offers:
        views.append(OfferView(
            offer=offer,
            title=marked(offer_text(offer.title, language)),
            description=marked(offer_text(offer.description, language)),
            field_labels=[city.field_label(code, language) for code in offer.fields or []],
            places=[city.district_name(code) for code in offer.districts or []],
            city_wide=bool(offer.city_wide),
            languages=[LANGUAGES[tag] for tag in offer.languages or [] if tag in LANGUAGES],
            cost=str(COST_LABELS.get(offer.cost, "")),
            tel=_tel(offer.contact_phone) if offer.contact_phone else None,
            website=_web_link(offer.website) if offer.website else None,
            extras=_extras(offer),
        ))
    return views


def _extras(offer: Offer) -> list[str]:
    found = []
    if offer.barrier_free is not None:  # unknown says nothing rather than something wrong
        found.append(str(BARRIER_FREE if offer.barrier_free else NOT_BARRIER_FREE))
    for flag, text in ((offer.childcare, CHILDCARE), (offer.online, ONLINE), (offer.phone_advice, BY_PHONE)):
        if flag:
            found.append(str(text))
    return found


def filter_query(fields: Sequence[str], district: str | None, advice: str | None) -> dict[str, Any]:
    """The directory's query parameters for these filters (for links and redirects)."""
    query: dict[str, Any] = {}
    if fields:
        query["field"] = list(fields)
    if district:
        query["district"] = district
    if advice:
        query["advice"] = advice
    return query
