"""Which offer attributes a provider questionnaire may fill, and from which question types.

A questionnaire declares ``offer_mapping: {attribute: question_code}``; each submitted response
then becomes an offer awaiting staff review (survey/offers/intake.py does the mapping).
"""
from __future__ import annotations

from survey.questionnaire.model import QuestionType

_TEXT = frozenset({QuestionType.TEXT, QuestionType.LONG_TEXT})
_CHOICES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
_FLAG = frozenset({QuestionType.YES_NO, QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})

# attribute -> question types it can be filled from. "contact" is one free-text answer that is
# split into e-mail, website, phone and address (staff check the split during review).
MAPPABLE: dict[str, frozenset[QuestionType]] = {
    "provider_name": _TEXT,
    "provider_kind": frozenset({QuestionType.SINGLE_CHOICE}),
    "title": _TEXT,
    "description": _TEXT,
    "fields": _CHOICES,
    "districts": _CHOICES | {QuestionType.DISTRICT},
    "target_groups": _CHOICES,
    "languages": _CHOICES,
    "cost": frozenset({QuestionType.SINGLE_CHOICE}),
    "barrier_free": _FLAG,
    "opening_hours": _TEXT,
    "appointment_only": _FLAG,
    "childcare": _FLAG,
    "online": _FLAG,
    "phone_advice": _FLAG,
    "contact": _TEXT,
    "contact_phone": _TEXT,
    "contact_email": _TEXT,
    "contact_address": _TEXT,
    "website": _TEXT,
    "last_verified_on": frozenset({QuestionType.DATE}),
}
