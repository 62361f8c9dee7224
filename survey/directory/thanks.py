"""Offers on the thank-you page, without keeping the answers.

At submission the needs are worked out from the answers (``Questionnaire.needs_of``) and only the
field codes and the district code go into the session cookie, for the one thank-you page view
that follows; that view takes them out again. Why the session and not the thank-you URL:
phones are shared, and a URL such as ``?field=health&field=legal`` would stay in the browser
history for the next person to find. Nothing is stored on the server, so nothing links the
list to the stored response. A reload of the thank-you page shows the link to the directory
instead of the list; the list itself offers "print" and a link to the directory with the same
filters that the person may bookmark on purpose.
"""
from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from sqlalchemy.orm import Session

from survey.directory.presenting import filter_query, municipality, present
from survey.offers.matching import offers_for_needs
from survey.questionnaire.model import Questionnaire
from survey.store.offers import published_offers

NEEDS_KEY = "offer_needs"
# Per field on the thank-you page; the rest are one link away (keeps the page light).
PER_FIELD = 5


def remember_needs(cookie: MutableMapping[str, Any], slug: str, questionnaire: Questionnaire,
                   answers: Mapping[str, Any]) -> None:
    """Put the needed fields and the district (codes only) into the session for the next view."""
    if not questionnaire.need_sections():
        return
    cookie[NEEDS_KEY] = {"s": slug, "f": list(questionnaire.needs_of(answers)), "d": questionnaire.district_of(answers)}


def thanks_context(cookie: MutableMapping[str, Any], db: Session, slug: str, questionnaire: Questionnaire,
                   lang: str) -> dict[str, Any]:
    """Template context for the thank-you page; takes the needs out of the session."""
    if not questionnaire.need_sections():
        return {"offer_groups": None, "asks_needs": False}
    needs = cookie.pop(NEEDS_KEY, None)
    if not isinstance(needs, dict) or needs.get("s") != slug:
        return {"offer_groups": None, "asks_needs": True, "needs_query": {}}
    city = municipality(db)
    fields = [code for code in needs.get("f") or [] if isinstance(code, str)]
    district = needs.get("d") if needs.get("d") in city.district_codes else None
    groups = []
    for group in offers_for_needs(published_offers(db), fields, district, lang):
        groups.append({
            "field": group.field,
            "label": city.field_label(group.field, lang),
            "offers": present(group.offers[:PER_FIELD], city, lang),
            "more": max(0, len(group.offers) - PER_FIELD),
            "listed_above": group.listed_above,
        })
    return {
        "offer_groups": groups,
        "asks_needs": True,
        "district_name": city.district_name(district) if district else None,
        "needs_query": filter_query(fields, district, None),
    }
