""""A counsellor may contact me": reading the form, storing, handling and deleting requests.

A request is stored apart from any survey answers and cannot be linked to them: no response,
draft or session id, and no time finer than the Monday of the week it arrived in. It holds only
what the person typed. Handled requests are deleted ``retention_days`` after being handled
(``SURVEY_CONTACT_RETENTION_DAYS``, default 90; the server's housekeeping runs ``delete_handled``),
and no read shows one past that day even before the deletion ran; staff may delete any request
earlier, e.g. when the person asks. Plain Python, no Flask: the view maps the error codes to
translated messages.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from survey.store.db import deleted_rows
from survey.store.models import ContactRequest

NAME_MAX, PHONE_MAX, EMAIL_MAX, MESSAGE_MAX = 200, 100, 254, 2000
# Digits of any script (Arabic-Indic ٣ is a digit too), spaces and the usual phone punctuation.
PHONE_PATTERN = re.compile(r"^\+?[\d\s()./-]{5,}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ContactForm:
    """What the person entered, cleaned; ``errors`` maps a form field to an error code."""

    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = ""
    fields: list[str] = field(default_factory=list)
    district: str = ""  # a code of the city's district list, or "" (optional)
    message: str = ""
    consent: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def _clean(value: str | None) -> str:
    # Normalised so that look-alike forms compare equal; control characters removed.
    text = unicodedata.normalize("NFC", value or "").strip()
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def read_form(form: Mapping[str, str], chosen_fields: Sequence[str], languages: Iterable[str],
              field_codes: Iterable[str], district_codes: Iterable[str] = ()) -> ContactForm:
    """Validate the posted form. Error codes: ``name_missing``, ``name_long``,
    ``contact_missing`` (neither phone nor e-mail), ``phone_invalid``, ``email_invalid``,
    ``language_unknown``, ``field_unknown``, ``district_unknown``, ``message_long``,
    ``consent_missing``."""
    known_languages, known_fields = set(languages), set(field_codes)
    result = ContactForm(
        name=" ".join(_clean(form.get("name")).split()),
        phone=" ".join(_clean(form.get("phone")).split()),
        email=_clean(form.get("email")),
        language=_clean(form.get("language")),
        fields=list(dict.fromkeys(_clean(code) for code in chosen_fields if code)),
        district=_clean(form.get("district")),
        message=_clean(form.get("message")),
        consent=form.get("consent") == "yes",
    )
    errors = result.errors
    if not result.name:
        errors["name"] = "name_missing"
    elif len(result.name) > NAME_MAX:
        errors["name"] = "name_long"
    if not result.phone and not result.email:
        errors["phone"] = "contact_missing"
    if result.phone and (len(result.phone) > PHONE_MAX or not PHONE_PATTERN.match(result.phone)
                         or sum(ch.isdigit() for ch in result.phone) < 5):
        errors["phone"] = "phone_invalid"
    if result.email and (len(result.email) > EMAIL_MAX or not EMAIL_PATTERN.match(result.email)):
        errors["email"] = "email_invalid"
    if result.language not in known_languages:
        errors["language"] = "language_unknown"
    if any(code not in known_fields for code in result.fields):
        errors["fields"] = "field_unknown"
    if result.district and result.district not in set(district_codes):
        errors["district"] = "district_unknown"
    if len(result.message) > MESSAGE_MAX:
        errors["message"] = "message_long"
    if not result.consent:
        errors["consent"] = "consent_missing"
    return result


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week: the only time a request keeps."""
    return day - dt.timedelta(days=day.weekday())


def store(session: Session, form: ContactForm, today: dt.date | None = None) -> ContactRequest:
    """Add a request from a valid form (flush only; the view commits)."""
    assert not form.errors, "store() needs a valid form"
    request = ContactRequest(
        week_of=week_of(today or dt.date.today()), name=form.name, phone=form.phone, email=form.email,
        language=form.language, fields=list(form.fields), district=form.district or None, message=form.message,
    )
    session.add(request)
    session.flush()
    return request


def open_requests(session: Session, districts: Collection[str] | None = None) -> list[ContactRequest]:
    """Requests not handled yet, oldest first; ``districts``: only those naming one of them."""
    query = select(ContactRequest).where(ContactRequest.handled_on.is_(None))
    if districts is not None:
        query = query.where(ContactRequest.district.in_(list(districts)))
    return list(session.scalars(query.order_by(ContactRequest.week_of, ContactRequest.id)))


def _past_retention(retention_days: int, today: dt.date | None) -> ColumnElement[bool]:
    """Handled ``retention_days`` or more days ago: deleted by ``delete_handled``, shown nowhere."""
    cutoff = (today or dt.date.today()) - dt.timedelta(days=retention_days)
    return ContactRequest.handled_on.is_not(None) & (ContactRequest.handled_on <= cutoff)


def handled_requests(session: Session, retention_days: int, today: dt.date | None = None) -> list[ContactRequest]:
    """Handled requests still within their retention (older ones wait only for their deletion)."""
    return list(session.scalars(select(ContactRequest)
                                .where(ContactRequest.handled_on.is_not(None), ~_past_retention(retention_days, today))
                                .order_by(ContactRequest.handled_on.desc(), ContactRequest.id.desc())))


def find_request(session: Session, request_id: int, retention_days: int, today: dt.date | None = None) -> ContactRequest | None:
    """An open request, or a handled one within its retention."""
    return session.scalar(select(ContactRequest).where(ContactRequest.id == request_id,
                                                       ~_past_retention(retention_days, today)))


def mark_handled(request: ContactRequest, by: str, today: dt.date | None = None) -> None:
    request.handled_on = today or dt.date.today()
    request.handled_by = by


def deletion_date(request: ContactRequest, retention_days: int) -> dt.date | None:
    """When a handled request will be deleted (None while open)."""
    return request.handled_on + dt.timedelta(days=retention_days) if request.handled_on else None


def delete_handled(session: Session, retention_days: int, today: dt.date | None = None) -> int:
    """Delete requests handled ``retention_days`` or more days ago; returns how many."""
    result = session.execute(delete(ContactRequest).where(_past_retention(retention_days, today)))
    session.flush()
    return deleted_rows(result)
