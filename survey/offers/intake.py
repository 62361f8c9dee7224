"""A provider's answers to a questionnaire with an ``offer_mapping`` become a pending offer.

Nothing is refused here: what a provider typed is kept as far as it fits an offer, and the full
response stays stored next to it, so staff see both in the review, fix what does not fit
(``inventory.validate`` names it) and approve or reject. Plain Python: no Flask, no database
(survey.store.offers stores the pending offer).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.offers.inventory import TARGET_GROUP_ALIASES, OfferInput
from survey.questionnaire.model import Questionnaire

# Answer codes that mean "yes" for a flag, per attribute (a yes/no question answers "yes").
TRUE_CODES: dict[str, frozenset[str]] = {
    "barrier_free": frozenset({"yes"}),
    "appointment_only": frozenset({"yes", "appointment_only"}),
    "childcare": frozenset({"yes"}),
    "online": frozenset({"yes", "online", "video", "chat"}),
    "phone_advice": frozenset({"yes", "phone"}),
}
# "Partly" barrier-free is neither: unknown until staff look at the details.
UNKNOWN_CODES: dict[str, frozenset[str]] = {"barrier_free": frozenset({"partly"})}
CITY_WIDE_CODES = frozenset({"citywide", "city_wide", "all"})
EVERYONE_CODES = frozenset({"all"})  # "all target groups" is no tag at all
EMAIL = re.compile(r"[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}")
WEBSITE = re.compile(r"(?:https?://|www\.)[^\s,;<>]+", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w])\+?[0-9][0-9 ()/\-]{4,}[0-9]")


@dataclass(frozen=True)
class SubmittedValue:
    attribute: str
    question: str
    answer: Any


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def split_contact(text: str) -> dict[str, str]:
    """One free-text contact into e-mail, website, phone and the rest as the address."""
    found: dict[str, str] = {}
    rest = text
    for attribute, pattern in (("contact_email", EMAIL), ("website", WEBSITE), ("contact_phone", PHONE)):
        match = pattern.search(rest)
        if match:
            value = match.group(0).strip().rstrip(".")
            if attribute == "website" and value.lower().startswith("www."):
                value = "https://" + value
            found[attribute] = value
            rest = rest[:match.start()] + " " + rest[match.end():]
    address = ", ".join(part.strip() for part in re.split(r"[,;\n]", rest) if part.strip(" .,:-"))
    address = re.sub(r"\b(tel(efon)?|phone|e-?mail|web(site)?)\s*:?\s*(?=,|$)", "", address, flags=re.I).strip(" ,")
    if address:
        found["contact_address"] = address
    return found


def offer_input_from_answers(mapping: dict[str, str] | Any, answers: dict[str, Any], language: str) -> OfferInput:
    data = OfferInput(status="pending", provider_kind="other")
    for attribute, code in mapping.items():
        value = answers.get(code)
        if value in (None, "", []):
            continue
        if attribute in ("title", "description"):
            getattr(data, attribute)[language] = str(value)
        elif attribute in ("provider_name", "opening_hours", "contact_phone", "contact_email", "contact_address", "website",
                           "provider_kind", "cost"):
            setattr(data, attribute, str(value))
        elif attribute == "districts":
            codes = _as_list(value)
            data.city_wide = any(c in CITY_WIDE_CODES for c in codes)
            data.districts = [c for c in codes if c not in CITY_WIDE_CODES]
        elif attribute == "target_groups":
            data.target_groups = [TARGET_GROUP_ALIASES.get(c, c) for c in _as_list(value) if c not in EVERYONE_CODES]
        elif attribute in ("fields", "languages"):
            setattr(data, attribute, _as_list(value))
        elif attribute in TRUE_CODES:
            chosen = set(_as_list(value))
            unknown = chosen & UNKNOWN_CODES.get(attribute, frozenset())
            setattr(data, attribute, None if unknown and not chosen & TRUE_CODES[attribute] else bool(chosen & TRUE_CODES[attribute]))
        elif attribute == "contact":
            for name, part in split_contact(str(value)).items():
                setattr(data, name, part)
        elif attribute == "last_verified_on":
            # Not a date: the answer stays in the response; staff verify on approval anyway.
            with contextlib.suppress(ValueError):
                data.last_verified_on = dt.date.fromisoformat(str(value)[:10])
    if data.barrier_free is not None and not isinstance(data.barrier_free, bool):
        data.barrier_free = None
    return data


def submitted_values(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[SubmittedValue]:
    """What the provider answered to each mapped question, for the review page."""
    found = []
    for attribute, code in questionnaire.offer_mapping.items():
        if questionnaire.has_question(code):
            found.append(SubmittedValue(attribute, code, answers.get(code)))
    return found
