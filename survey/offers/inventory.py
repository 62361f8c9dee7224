"""The offer inventory's rules: what staff, an import row or a provider say about an offer
(``OfferInput``), its validation against the city's codes, and the twelve-month staleness flag.

Every problem is placed at its field (a ``Problem`` with ``where.field``, survey/problems.py) so
that a form shows it at the field and an import reports it with row and column. Plain Python: no
Flask, no database (the offers are stored by survey.store.offers).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, Protocol
from urllib.parse import urlsplit

from survey.languages import LANGUAGES, MISLEADING_TAGS
from survey.problems import Problem, Refused, Where, staff_text

PROVIDER_KINDS = ("mso", "welfare", "municipal", "other")
COSTS = ("free", "reduced", "paid")
STATUSES = ("draft", "pending", "published", "archived")
SOURCES = ("staff", "import", "questionnaire")
# Target groups cut across fields (DOMAIN.md): tags for analysis, not fields.
TARGET_GROUPS = ("young_adults", "eu_citizens_18_27", "women", "single_parents", "disability", "lgbtiq",
                 "household_members")
# Codes the bundled offer-inventory questionnaire uses for the same groups.
TARGET_GROUP_ALIASES = {"eu_18_27": "eu_citizens_18_27", "women_girls": "women", "disabilities": "disability",
                        "household": "household_members"}
# Names people type for a language instead of its tag: refused, with the tag to use.
LANGUAGE_NAMES = {lang.english_name.casefold(): lang.tag for lang in LANGUAGES.values()} | {
    lang.native_name.casefold(): lang.tag for lang in LANGUAGES.values()} | {
    "farsi": "fa", "persian": "fa", "dari": "prs", "kurmanji": "kmr", "sorani": "ckb", "deutsch": "de"}

TITLE_MAX, DESCRIPTION_MAX, PROVIDER_MAX = 300, 5000, 300
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^[0-9+()/ \-]{3,100}$")


@dataclass
class OfferInput:
    """What staff, an import row or a provider submission say about one offer."""

    provider_name: str = ""
    provider_kind: str = "other"
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    city_wide: bool = False
    districts: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    cost: str = "free"
    barrier_free: bool | None = None
    opening_hours: str = ""
    appointment_only: bool = False
    childcare: bool = False
    online: bool = False
    phone_advice: bool = False
    contact_phone: str = ""
    contact_email: str = ""
    contact_address: str = ""
    website: str = ""
    last_verified_on: dt.date | None = None
    status: str = "published"

    def normalized(self) -> OfferInput:
        """Texts trimmed, empty translations dropped, lists without repeats."""
        copy = OfferInput(**{f.name: getattr(self, f.name) for f in dataclass_fields(self)})
        copy.title = {k: v.strip() for k, v in self.title.items() if v and v.strip()}
        copy.description = {k: v.strip() for k, v in self.description.items() if v and v.strip()}
        for name in ("fields", "districts", "target_groups", "languages"):
            setattr(copy, name, list(dict.fromkeys(v.strip() for v in getattr(self, name) if v and v.strip())))
        for name in ("provider_name", "opening_hours", "contact_phone", "contact_email", "contact_address", "website"):
            setattr(copy, name, (getattr(self, name) or "").strip())
        if copy.city_wide:
            copy.districts = []  # a city-wide offer serves every district; a list would only mislead
        return copy


def field_problem(name: str, code: str, template: str, /, **params: Any) -> Problem:
    """A problem of the field ``name``: an OfferInput attribute, "title_de" style for a translation."""
    return Problem(code, template, params, where=Where(field=name))


class OfferInvalid(Refused):
    """The offer was not saved; ``problems`` are placed at their fields."""


@dataclass(frozen=True)
class CityCodes:
    """The codes an offer may use; read once per import, not once per row."""

    fields: tuple[str, ...]
    districts: tuple[str, ...]


def _unknown(name: str, code: str, template: str, value: str, allowed: Iterable[str]) -> Problem:
    return field_problem(name, code, template, value=value, allowed=", ".join(allowed))


def _language_problem(name: str, tag: str) -> Problem:
    if tag in MISLEADING_TAGS:
        return field_problem(name, "misleading_language_tag", MISLEADING_TAGS[tag], tag=tag)
    if tag.casefold() in LANGUAGE_NAMES:
        return field_problem(name, "language_name", staff_text("'%(value)s' is a language name; use its tag '%(tag)s'."),
                             value=tag, tag=LANGUAGE_NAMES[tag.casefold()])
    return _unknown(name, "unknown_language", staff_text("'%(value)s' is not a language tag; use one of: %(allowed)s."),
                    tag, LANGUAGES)


def is_safe_website(url: str) -> bool:
    """Only http(s) addresses with a host: never javascript:, data: or a relative path."""
    if any(ch.isspace() for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def validate(data: OfferInput, codes: CityCodes, today: dt.date | None = None) -> list[Problem]:
    """Every problem of ``data`` (normalised first), each placed at its field."""
    data = data.normalized()
    today = today or dt.date.today()
    problems: list[Problem] = []

    def add(name: str, code: str, template: str, /, **params: Any) -> None:
        problems.append(field_problem(name, code, template, **params))

    too_long = staff_text("The text is longer than %(maximum)s characters.")
    if not data.provider_name:
        add("provider_name", "provider_required", staff_text("The provider's name is required."))
    elif len(data.provider_name) > PROVIDER_MAX:
        add("provider_name", "too_long", staff_text("The provider's name is longer than %(maximum)s characters."),
            maximum=PROVIDER_MAX)
    if data.provider_kind not in PROVIDER_KINDS:
        problems.append(_unknown("provider_kind", "unknown_provider_kind",
                                 staff_text("'%(value)s' is not a kind of provider; use one of: %(allowed)s."),
                                 data.provider_kind, PROVIDER_KINDS))
    if data.status not in STATUSES:
        problems.append(_unknown("status", "unknown_status", staff_text("'%(value)s' is not a status; use one of: %(allowed)s."),
                                 data.status, STATUSES))
    if not data.title.get("de"):
        add("title_de", "german_title_required", staff_text("A German title is required."))
    for name, texts, maximum in (("title", data.title, TITLE_MAX), ("description", data.description, DESCRIPTION_MAX)):
        for tag, text in texts.items():
            if tag not in LANGUAGES:
                problems.append(_language_problem(f"{name}_{tag}", tag))
            elif len(text) > maximum:
                add(f"{name}_{tag}", "too_long", too_long, maximum=maximum)
    if not data.fields:
        add("fields", "field_required", staff_text("Choose at least one integration field."))
    for code in data.fields:
        if code not in codes.fields:
            problems.append(_unknown("fields", "unknown_field", staff_text(
                "'%(value)s' is not an integration field of the city; use one of: %(allowed)s."), code, codes.fields))
    if not data.city_wide and not data.districts:
        add("districts", "district_required", staff_text("Choose at least one district, or mark the offer as city-wide."))
    for code in data.districts:
        if code not in codes.districts and codes.districts:
            problems.append(_unknown("districts", "unknown_district", staff_text(
                "'%(value)s' is not a district of the city; use one of: %(allowed)s."), code, codes.districts))
        elif code not in codes.districts:
            add("districts", "unknown_district", staff_text(
                "'%(value)s' is not a district: the city has no districts yet (import them first)."), value=code)
    for code in data.target_groups:
        if code not in TARGET_GROUPS:
            if code in TARGET_GROUP_ALIASES:
                add("target_groups", "unknown_target_group", staff_text(
                    "'%(value)s' is not a target group; use one of: %(allowed)s (did you mean '%(suggestion)s'?)."),
                    value=code, allowed=", ".join(TARGET_GROUPS), suggestion=TARGET_GROUP_ALIASES[code])
            else:
                problems.append(_unknown("target_groups", "unknown_target_group", staff_text(
                    "'%(value)s' is not a target group; use one of: %(allowed)s."), code, TARGET_GROUPS))
    for tag in data.languages:
        if tag not in LANGUAGES:
            problems.append(_language_problem("languages", tag))
    if data.cost not in COSTS:
        problems.append(_unknown("cost", "unknown_cost", staff_text("'%(value)s' is not a cost; use one of: %(allowed)s."),
                                 data.cost, COSTS))
    for name in ("appointment_only", "childcare", "online", "phone_advice", "city_wide"):
        if not isinstance(getattr(data, name), bool):
            add(name, "not_yes_no", staff_text("The value must be yes or no."))
    if data.barrier_free is not None and not isinstance(data.barrier_free, bool):
        add("barrier_free", "not_yes_no", staff_text("The value must be yes, no or empty (unknown)."))
    if len(data.opening_hours) > 2000:
        add("opening_hours", "too_long", too_long, maximum=2000)
    if data.contact_email and (len(data.contact_email) > 254 or not EMAIL.match(data.contact_email)):
        add("contact_email", "not_an_email", staff_text("'%(value)s' is not an e-mail address (name@example.org)."),
            value=data.contact_email)
    if data.contact_phone and not PHONE.match(data.contact_phone):
        add("contact_phone", "not_a_phone", staff_text("A phone number may hold digits, spaces and + ( ) / - only."))
    if len(data.contact_address) > 500:
        add("contact_address", "too_long", too_long, maximum=500)
    if data.website and (len(data.website) > 500 or not is_safe_website(data.website)):
        add("website", "unsafe_website", staff_text("The website must be a full address starting with https:// or http://."))
    if data.last_verified_on is not None and data.last_verified_on > today:
        add("last_verified_on", "date_in_future", staff_text("The date lies in the future."))
    return problems


def stale_since(today: dt.date) -> dt.date:
    """Verified on or before this day means: not verified for twelve months."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


class Verifiable(Protocol):
    last_verified_on: dt.date | None


def is_stale(offer: Verifiable, today: dt.date | None = None) -> bool:
    """Never verified, or not for twelve months: staff should check it again."""
    verified = offer.last_verified_on
    return verified is None or verified <= stale_since(today or dt.date.today())
