"""The public offer directory and the "a counsellor may contact me" form.

Both work without JavaScript (plain GET filters, a POST form with CSRF), in every respondent
language (``/offers/<lang>/``, ``/contact/<lang>/``). Links out are plain links: no click
tracking, no redirect through this site.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.directory import bp
from survey.directory.presenting import Municipality, filter_query, municipality, present
from survey.languages import LANGUAGES
from survey.offers.matching import directory_offers
from survey.store import contact_requests
from survey.store.offers import published_offers
from survey.web.notices import notice_context
from survey.web.request_db import get_db

ALIASES = {"fa-AF": "prs"}


def _best_language() -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(list(LANGUAGES) + list(ALIASES))
    return ALIASES.get(best or "", best) or "de"


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        abort(404)


def _filters(city: Municipality) -> tuple[list[str], str | None, str | None, list[str]]:
    """The filters asked for in the query; values the city does not know are named, not dropped."""
    unknown: list[str] = []
    fields: list[str] = []
    for code in request.args.getlist("field"):
        (fields if code in city.field_codes else unknown).append(code)
    district = request.args.get("district") or None
    if district is not None and district not in city.district_codes:
        unknown.append(district)
        district = None
    advice = request.args.get("advice") or None
    if advice is not None and advice not in LANGUAGES:
        unknown.append(advice)
        advice = None
    return list(dict.fromkeys(fields)), district, advice, unknown


@bp.get("/offers/")
def offers_start() -> WerkzeugResponse:
    """The directory in the browser's language (or ``?lang=``), keeping any filters: the
    language picker's form lands here."""
    fields, district, advice, _unknown = _filters(municipality(get_db()))
    return redirect(url_for("directory.offers", lang=_best_language(), **filter_query(fields, district, advice)))


@bp.get("/offers/<lang>/")
def offers(lang: str) -> str:
    _check_language(lang)
    db = get_db()
    city = municipality(db)
    fields, district, advice, unknown = _filters(city)
    found = directory_offers(published_offers(db), fields, district, advice, lang)
    return render_template(
        "directory/offers.html",
        lang=lang,
        city=city,
        offers=present(found, city, lang),
        chosen_fields=fields,
        chosen_district=district,
        chosen_advice=advice,
        unknown=unknown,
        filtered=bool(fields or district or advice),
        query=filter_query(fields, district, advice),
    )


def _error_messages() -> dict[str, str]:
    return {
        "name_missing": gettext("Please enter your name."),
        "name_long": gettext("Please enter a shorter name (at most 200 characters)."),
        "contact_missing": gettext("Please enter a phone number or an e-mail address, so that a counsellor can reach you."),
        "phone_invalid": gettext("Please enter a phone number with digits only, for example 0151 2345678."),
        "email_invalid": gettext("Please enter an e-mail address like name@example.org."),
        "language_unknown": gettext("Please choose a language."),
        "field_unknown": gettext("Please choose only topics from the list."),
        "district_unknown": gettext("Please choose a district from the list."),
        "message_long": gettext("Please shorten your message to at most 2000 characters."),
        "consent_missing": gettext("Please tick the box to agree, or leave this page if you do not want to be contacted."),
    }


@bp.get("/contact/")
def contact_start() -> WerkzeugResponse:
    return redirect(url_for("directory.contact", lang=_best_language()))


@bp.route("/contact/<lang>/", methods=["GET", "POST"])
def contact(lang: str) -> Any:
    _check_language(lang)
    db = get_db()
    city = municipality(db)
    retention = int(current_app.config["CONTACT_RETENTION_DAYS"])
    if request.method == "GET":
        form = contact_requests.ContactForm(language=lang, fields=[c for c in request.args.getlist("field") if c in city.field_codes])
        return render_template("directory/contact.html", lang=lang, city=city, form=form, errors={}, retention_days=retention)
    form = contact_requests.read_form(request.form, request.form.getlist("fields"), LANGUAGES, city.field_codes,
                                      city.district_codes)
    if form.errors:
        messages = _error_messages()
        errors = {name: messages[code] for name, code in form.errors.items()}
        return render_template("directory/contact.html", lang=lang, city=city, form=form, errors=errors,
                               retention_days=retention), 422
    contact_requests.store(db, form)
    return redirect(url_for("directory.contact_sent", lang=lang))


@bp.get("/contact/<lang>/sent")
def contact_sent(lang: str) -> str:
    _check_language(lang)
    return render_template("directory/contact_sent.html", lang=lang,
                           retention_days=int(current_app.config["CONTACT_RETENTION_DAYS"]))


@bp.get("/privacy/<lang>/")
def privacy(lang: str) -> str:
    """The privacy notice outside any survey: for the offer directory and the contact form (the
    same text as each survey's /s/<slug>/<lang>/privacy)."""
    _check_language(lang)
    return render_template("directory/privacy.html", lang=lang, **notice_context())


@bp.get("/legal-notice/<lang>/")
def legal_notice(lang: str) -> str:
    _check_language(lang)
    return render_template("directory/legal_notice.html", lang=lang, **notice_context())


@bp.after_request
def no_store(response: Any) -> Any:
    # A shared phone: neither the filters someone chose nor what they typed stays in the cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response
