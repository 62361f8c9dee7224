"""Which published offers answer a respondent's needs, in which order, in which language.

Plain Python, no Flask, no database: the callers load the offers (a city has hundreds, not
millions) and pass them in. Used by the public directory and the thank-you page.

Ordering, as issue 5 asks: offers in the respondent's own district first, then city-wide ones;
within each, offers whose advice is given in the respondent's language first, then by title.
An offer that serves several of the needed fields is listed **once overall**, under the first of
those fields (in the order the fields are given): on a phone a repeated entry reads as a second
offer, and the page weight budget is per page. Each entry still names all its fields.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from survey.languages import LANGUAGES, fallback_chain
from survey.questionnaire.model import ResolvedText

PUBLISHED = "published"
# Texts of an offer fall back along the language's chain and finally to German, the language
# staff write offers in.
OFFER_DEFAULT_LANGUAGE = "de"


class OfferLike(Protocol):
    """What matching and the gap analysis read from an offer (survey.store.models.Offer, or a
    plain object in tests)."""

    # Read-only, so that a stored offer's columns (list, dict) fit what is read here.
    @property
    def status(self) -> str: ...
    @property
    def fields(self) -> Sequence[str]: ...
    @property
    def districts(self) -> Sequence[str]: ...
    @property
    def city_wide(self) -> bool: ...
    @property
    def languages(self) -> Sequence[str]: ...
    @property
    def title(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class FieldGroup:
    """The offers listed under one needed field (may be empty: the page then says so)."""

    field: str
    offers: list[Any] = dataclasses.field(default_factory=list)
    # Offers listed under an earlier field that serve this one too (how many), so the page can
    # say "see above" instead of "no offer".
    listed_above: int = 0


def serves_district(offer: Any, district: str) -> bool:
    """The offer is for the whole city or names the district."""
    return bool(offer.city_wide) or district in (offer.districts or [])


def serves(offer: OfferLike, field_code: str, district: str | None) -> bool:
    """Published, in the field, and in the district or city-wide. Without a district (not
    answered, or "prefer not to say") every published offer of the field serves."""
    if offer.status != PUBLISHED or field_code not in (offer.fields or []):
        return False
    return district is None or serves_district(offer, district)


def _rank(offer: OfferLike, district: str | None, language: str) -> tuple[int, int]:
    place = 0 if district is not None and district in (offer.districts or []) and not offer.city_wide else 1
    if district is None:
        place = 0 if offer.city_wide else 1  # the whole city's offers suit anyone
    speaks = 0 if language in (offer.languages or []) else 1
    return place, speaks


def sort_offers(offers: Iterable[OfferLike], district: str | None, language: str) -> list[Any]:
    """Own district first (city-wide next), advice in ``language`` first, then by title."""
    return sorted(offers, key=lambda o: (*_rank(o, district, language), _title_key(o)))


def _title_key(offer: OfferLike) -> str:
    titles = offer.title or {}
    return (titles.get(OFFER_DEFAULT_LANGUAGE) or next(iter(titles.values()), "")).casefold()


def offers_for_needs(offers: Iterable[OfferLike], fields: Sequence[str], district: str | None,
                     language: str) -> list[FieldGroup]:
    """One group per needed field, in the order given; each offer appears once overall (see the
    module docstring)."""
    candidates = list(offers)
    listed: set[int] = set()
    groups: list[FieldGroup] = []
    for field_code in dict.fromkeys(fields):
        serving = [o for o in candidates if serves(o, field_code, district)]
        ordered = sort_offers([o for o in serving if id(o) not in listed], district, language)
        above = sum(1 for o in serving if id(o) in listed)
        listed.update(id(o) for o in ordered)
        groups.append(FieldGroup(field_code, ordered, above))
    return groups


def offer_text(texts: Mapping[str, str] | None, language: str, chain: Sequence[str] | None = None) -> ResolvedText:
    """The text in ``language`` if the offer has it, else along the language's fallback chain
    (``survey.languages.fallback_chain``), else any text it has. ``is_fallback`` tells the
    template to mark the text with its own lang/dir."""
    texts = {tag: value for tag, value in (texts or {}).items() if value}
    if not texts:
        return ResolvedText("", language, False)
    if chain is None:
        chain = fallback_chain(language, tuple(texts), OFFER_DEFAULT_LANGUAGE)
    for position, tag in enumerate(chain):
        if texts.get(tag):
            return ResolvedText(texts[tag], tag, tag != language or position > 0)
    # Neither the language nor its fallbacks: any text, German first, is better than none.
    tag = OFFER_DEFAULT_LANGUAGE if OFFER_DEFAULT_LANGUAGE in texts else next(iter(texts))
    return ResolvedText(texts[tag], tag, tag != language)


def direction_of(tag: str) -> str:
    return LANGUAGES[tag].direction if tag in LANGUAGES else "ltr"


def directory_offers(offers: Iterable[OfferLike], fields: Sequence[str], district: str | None,
                     advice_language: str | None, language: str) -> list[Any]:
    """The public directory's list: published offers in any of ``fields`` (none given: all),
    serving ``district`` (own district, or city-wide), advised in ``advice_language``, ordered
    like the thank-you list for a person reading ``language``."""
    wanted = list(dict.fromkeys(fields))
    chosen = []
    for offer in offers:
        if offer.status != PUBLISHED:
            continue
        if wanted and not any(serves(offer, code, district) for code in wanted):
            continue
        if not wanted and district is not None and not (offer.city_wide or district in (offer.districts or [])):
            continue
        if advice_language and advice_language not in (offer.languages or []):
            continue
        chosen.append(offer)
    return sort_offers(chosen, district, advice_language or language)
