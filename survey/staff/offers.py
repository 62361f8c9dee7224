"""The offer inventory for staff (role designer): list with filters and the staleness flag,
create and edit, provider submissions to review, import and export.

Thin views over survey.offers.inventory/importing/intake; every change is audit-logged.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext

from survey.files import TableImportError
from survey.languages import LANGUAGES
from survey.offers import inventory
from survey.offers.importing import export_offers
from survey.offers.intake import submitted_values
from survey.offers.inventory import OfferInput, OfferInvalid
from survey.problems import Problem, staff_text
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.csv_choice import requested_dialect
from survey.staff.problem_texts import problem_text
from survey.store import audit, municipality
from survey.store import offers as stored_offers
from survey.store.accounts import Role
from survey.store.models import Offer, QuestionnaireVersion
from survey.store.models import Response as SurveyResponse
from survey.store.offers import import_offers
from survey.store.questionnaires import questionnaire_for_version
from survey.web import request_db
from survey.web.redirects import local_path
from survey.web.request_db import get_db
from survey.web.upload_limits import FILE_LIMITS

MAX_UPLOAD = FILE_LIMITS["staff.offer_import"]
PROVIDER_KIND_LABELS = {"mso": lazy_gettext("Migrant organisation"), "welfare": lazy_gettext("Welfare association"),
                        "municipal": lazy_gettext("Municipal service"), "other": lazy_gettext("Other provider")}
COST_LABELS = {"free": lazy_gettext("free of charge"), "reduced": lazy_gettext("reduced fee"), "paid": lazy_gettext("fee")}
STATUS_LABELS = {"draft": lazy_gettext("draft"), "pending": lazy_gettext("awaiting review"),
                 "published": lazy_gettext("published"), "archived": lazy_gettext("archived")}
TARGET_GROUP_LABELS = {"young_adults": lazy_gettext("Young adults 18–27"), "eu_citizens_18_27": lazy_gettext("EU citizens 18–27"),
                       "women": lazy_gettext("Girls and women"), "single_parents": lazy_gettext("Single parents"),
                       "disability": lazy_gettext("People with disabilities"), "lgbtiq": lazy_gettext("LGBTIQ* people"),
                       "household_members": lazy_gettext("Household members")}
FLAGS = ("appointment_only", "childcare", "online", "phone_advice")


def _language() -> str:
    return str(get_locale() or "de")


def _choices() -> dict[str, Any]:
    db = get_db()
    language = _language()
    return {
        "field_choices": [(f.code, f.label(language)) for f in municipality.list_fields(db)],
        "district_choices": [(d.code, d.name) for d in municipality.list_districts(db)],
        "language_choices": [(tag, lang.native_name) for tag, lang in LANGUAGES.items()],
        "kind_labels": PROVIDER_KIND_LABELS, "cost_labels": COST_LABELS, "status_labels": STATUS_LABELS,
        "group_labels": TARGET_GROUP_LABELS, "languages": LANGUAGES,
    }


def _offer(offer_id: int) -> Offer:
    offer = get_db().get(Offer, offer_id)
    if offer is None:
        abort(404)
    return offer


def _form_input(status: str) -> tuple[OfferInput, list[Problem]]:
    """The posted offer, and the problems no OfferInput can hold (a date that is not one)."""
    form = request.form
    problems = []
    verified = None
    try:
        text = form.get("last_verified_on", "").strip()
        verified = dt.date.fromisoformat(text) if text else None
    except ValueError:
        problems.append(inventory.field_problem("last_verified_on", "not_a_date", staff_text("Enter the date as YYYY-MM-DD.")))
    barrier = form.get("barrier_free", "")
    data = OfferInput(
        provider_name=form.get("provider_name", "")[:1000],
        provider_kind=form.get("provider_kind", "other"),
        title={tag: form.get(f"title_{tag}", "") for tag in LANGUAGES if form.get(f"title_{tag}")},
        description={tag: form.get(f"description_{tag}", "") for tag in LANGUAGES if form.get(f"description_{tag}")},
        fields=form.getlist("fields"), city_wide=form.get("city_wide") == "yes", districts=form.getlist("districts"),
        target_groups=form.getlist("target_groups"), languages=form.getlist("languages"),
        cost=form.get("cost", "free"), barrier_free=None if barrier not in ("yes", "no") else barrier == "yes",
        opening_hours=form.get("opening_hours", ""),
        contact_phone=form.get("contact_phone", ""), contact_email=form.get("contact_email", ""),
        contact_address=form.get("contact_address", ""), website=form.get("website", ""),
        last_verified_on=verified,
        status=form.get("status", status) if status != "pending" else "pending",
    )
    for name in FLAGS:
        setattr(data, name, form.get(name) == "yes")
    return data, problems


def _errors(problems: list[Problem]) -> dict[str, list[str]]:
    """Form field -> its problems in the staff's language (the form shows them at the field)."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(problem.where.field, []).append(problem_text(problem))
    return found


def _form_page(data: OfferInput, offer: Offer | None, errors: dict[str, list[str]], status: int = 200) -> Any:
    review = None
    if offer is not None and offer.source_response_id:
        review = _submission(offer)
    html = render_template("staff/offer_form.html", data=data, offer=offer, errors=errors, review=review,
                           stale=inventory.is_stale(data), **_choices())
    return html, status


def _submission(offer: Offer) -> list[Any] | None:
    """The provider's own answers to the mapped questions, shown beside the form."""
    db = get_db()
    response = db.get(SurveyResponse, offer.source_response_id)
    if response is None:
        return None
    version = db.get(QuestionnaireVersion, response.version_id)
    if version is None:
        return None
    questionnaire = questionnaire_for_version(version)
    rows = []
    for item in submitted_values(questionnaire, response.answers or {}):
        question = questionnaire.question(item.question)
        answer = item.answer
        if isinstance(answer, list):
            answer = ", ".join(_option_label(question, code) for code in answer)
        elif answer is not None and question.is_choice:
            answer = _option_label(question, str(answer))
        rows.append((item.attribute, question.label.resolve([_language(), questionnaire.default_language]).text, answer))
    return rows


def _option_label(question: Any, code: str) -> str:
    option = question.option(code)
    return f"{option.label.resolve([_language(), 'de']).text} ({code})" if option else code


@bp.get("/offers")
@requires(Role.DESIGNER)
def offer_list() -> str:
    db = get_db()
    args = request.args
    stale = {"yes": True, "no": False}.get(args.get("stale", ""))
    status = args.get("status", "")
    offers = stored_offers.list_offers(db, status=status or None, field_code=args.get("field") or None,
                                   district=args.get("district") or None, language=args.get("language") or None, stale=stale)
    counts = stored_offers.count_by_status(db)
    return render_template("staff/offers.html", offers=offers, counts=counts, filters=args, is_stale=inventory.is_stale,
                           field_names=municipality.field_labels(db, _language()), **_choices())


@bp.route("/offers/new", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def offer_new() -> Any:
    if request.method == "GET":
        return _form_page(OfferInput(status="draft"), None, {})
    db = get_db()
    data, problems = _form_input("published")
    try:
        if problems:
            raise OfferInvalid(problems + inventory.validate(data, stored_offers.city_codes(db)))
        offer = stored_offers.create_offer(db, data)
    except OfferInvalid as problem:
        return _form_page(data, None, _errors(problem.problems), 422)
    audit.record(db, actor(), "offer_created", stored_offers.offer_label(offer), status=offer.status)
    flash(gettext("The offer was saved."))
    return redirect(url_for("staff.offer_edit", offer_id=offer.id))


@bp.route("/offers/<int:offer_id>", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def offer_edit(offer_id: int) -> Any:
    db = get_db()
    offer = _offer(offer_id)
    if request.method == "GET":
        data = stored_offers.offer_input(offer)
        # A pending submission: show at once what still stops it from being approved.
        errors = _errors(inventory.validate(data, stored_offers.city_codes(db))) if offer.status == "pending" else {}
        return _form_page(data, offer, errors)
    data, problems = _form_input(offer.status)
    try:
        if problems:
            raise OfferInvalid(problems + inventory.validate(data, stored_offers.city_codes(db)))
        changed = stored_offers.update_offer(db, offer, data)
    except OfferInvalid as problem:
        return _form_page(data, offer, _errors(problem.problems), 422)
    if changed:
        audit.record(db, actor(), "offer_updated", stored_offers.offer_label(offer), status=offer.status)
        flash(gettext("The offer was saved."))
    else:
        flash(gettext("Nothing was changed."))
    return redirect(url_for("staff.offer_edit", offer_id=offer.id))


@bp.post("/offers/<int:offer_id>/verify")
@requires(Role.DESIGNER)
def offer_verify(offer_id: int) -> Any:
    db = get_db()
    offer = _offer(offer_id)
    stored_offers.verify_offer(db, offer)
    audit.record(db, actor(), "offer_verified", stored_offers.offer_label(offer))
    flash(gettext("Marked as verified today."))
    return redirect(local_path(request.form.get("back"), "/staff/offers") or url_for("staff.offer_edit", offer_id=offer.id))


@bp.post("/offers/<int:offer_id>/archive")
@requires(Role.DESIGNER)
def offer_archive(offer_id: int) -> Any:
    db = get_db()
    offer = _offer(offer_id)
    stored_offers.archive_offer(db, offer)
    audit.record(db, actor(), "offer_archived", stored_offers.offer_label(offer))
    flash(gettext("The offer was archived: it no longer appears in the directory or the gap analysis."))
    return redirect(url_for("staff.offer_edit", offer_id=offer.id))


@bp.get("/offers/review")
@requires(Role.DESIGNER)
def offer_review() -> str:
    db = get_db()
    codes = stored_offers.city_codes(db)
    pending = [(offer, inventory.validate(stored_offers.offer_input(offer), codes))
               for offer in stored_offers.list_offers(db, status="pending")]
    return render_template("staff/offers_review.html", pending=pending, **_choices())


@bp.post("/offers/<int:offer_id>/approve")
@requires(Role.DESIGNER)
def offer_approve(offer_id: int) -> Any:
    db = get_db()
    offer = _offer(offer_id)
    if offer.status != "pending":
        abort(409)
    try:
        stored_offers.approve_offer(db, offer)
    except OfferInvalid as problem:
        request_db.discard()
        offer = _offer(offer_id)
        return _form_page(stored_offers.offer_input(offer), offer, _errors(problem.problems), 422)
    audit.record(db, actor(), "offer_approved", stored_offers.offer_label(offer), response=offer.source_response_id)
    flash(gettext("The offer was approved and published."))
    return redirect(url_for("staff.offer_review"))


@bp.post("/offers/<int:offer_id>/reject")
@requires(Role.DESIGNER)
def offer_reject(offer_id: int) -> Any:
    db = get_db()
    offer = _offer(offer_id)
    if offer.status != "pending":
        abort(409)
    stored_offers.reject_offer(db, offer)
    audit.record(db, actor(), "offer_rejected", stored_offers.offer_label(offer), response=offer.source_response_id)
    flash(gettext("The submission was rejected and archived."))
    return redirect(url_for("staff.offer_review"))


@bp.route("/offers/import", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def offer_import() -> Any:
    problems: list[Problem | str] = []
    report = None
    if request.method == "POST":
        db = get_db()
        upload = request.files.get("file")
        raw = upload.read(MAX_UPLOAD + 1) if upload else b""
        if not upload or not upload.filename:
            problems = [gettext("Choose a .csv or .xlsx file.")]
        elif len(raw) > MAX_UPLOAD:
            problems = [gettext("The file is larger than 5 MB.")]
        else:
            try:
                report = import_offers(db, raw, upload.filename)
            except TableImportError as error:
                request_db.discard()
                problems = list(error.problems)
            else:
                audit.record(db, actor(), "offers_imported", upload.filename[:200], added=len(report.added),
                             updated=len(report.updated), unchanged=len(report.unchanged))
    return render_template("staff/offers_import.html", problems=problems, report=report), (422 if problems else 200)


@bp.get("/offers/export.csv")
@requires(Role.DESIGNER)
def offer_export() -> Response:
    db = get_db()
    offers = stored_offers.list_offers(db)
    dialect = requested_dialect(request.args)
    audit.record(db, actor(), "offers_exported", "offers.csv", count=len(offers), csv_dialect=dialect.name)
    return Response(export_offers(offers, dialect), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=offers.csv"})
