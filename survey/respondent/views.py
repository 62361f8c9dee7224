"""Respondent pages: language, intro and consent, one page per section, review, thanks.

Every step works without JavaScript. Views stay thin: parsing and validation live in
``page_answers``, storage in ``survey.store.drafts``.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import abort, current_app, redirect, render_template, request, send_from_directory, session, url_for
from flask_babel import LazyString, format_date, gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.directory.thanks import remember_needs, thanks_context
from survey.languages import LANGUAGES
from survey.questionnaire.model import Questionnaire, Section
from survey.respondent import bp, busy
from survey.respondent.interviewer import end_interview, is_interview
from survey.respondent.messages import newly_shown_notice
from survey.respondent.page_answers import (
    AnswerError,
    merge_page,
    missing_answers,
    neighbour_section,
    prune_hidden,
    read_page,
    visible_sections,
)
from survey.respondent.page_context import section_context
from survey.respondent.rendering import answer_summary, audio_names, localizer
from survey.store import drafts
from survey.store.drafts import OpenDraft
from survey.store.models import QuestionnaireVersion
from survey.store.offers import offer_from_response
from survey.store.questionnaires import code_is_channel, live_version, questionnaire_by_hash, questionnaire_for_version
from survey.store.rate_limits import Decision
from survey.web import request_db
from survey.web.errors import DATABASE_UNAVAILABLE
from survey.web.request_db import get_db

SESSION_KEY = "drafts"
SUBMITTED_KEY = "submitted"
CHANNEL_KEY = "channel"
STARTING_KEY = "starting"
REVIEW = "review"  # resume point after the last page
AUDIO_TYPES = {".ogg": "audio/ogg", ".opus": "audio/ogg", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".webm": "audio/webm"}


# --- helpers -----------------------------------------------------------------------------------


def _handle(slug: str) -> dict[str, str] | None:
    return (session.get(SESSION_KEY) or {}).get(slug)


def _remember(slug: str, handle: drafts.DraftHandle) -> None:
    handles = dict(session.get(SESSION_KEY) or {})
    handles[slug] = {"t": handle.token, "c": handle.resume_code}
    session[SESSION_KEY] = handles
    # Kept until the draft would expire anyway; cleared on submission and on "delete".
    session.permanent = True


def _forget(slug: str, submitted: bool = False) -> None:
    """Drop the draft from the browser. After a submission only the slug is remembered, so a
    back-button resubmission shows the thank-you page instead of starting over."""
    handles = dict(session.get(SESSION_KEY) or {})
    handles.pop(slug, None)
    session[SESSION_KEY] = handles
    if submitted:
        session[SUBMITTED_KEY] = sorted({*session.get(SUBMITTED_KEY, []), slug})
    if not handles:
        session.pop(SESSION_KEY, None)
        session.permanent = False  # nothing left to resume: the cookie ends with the browser


def _mark_starting(slug: str, channel: str) -> None:
    """The respondent pressed "Start" (their consent) and has saved no answer yet: kept in the
    browser's session only, with the channel they came by."""
    session[STARTING_KEY] = {**(session.get(STARTING_KEY) or {}), slug: channel}


def _starting_channel(slug: str) -> str | None:
    """The channel of a start without a draft yet, or None when the respondent has not started."""
    channel = (session.get(STARTING_KEY) or {}).get(slug)
    return channel if isinstance(channel, str) else None


def _forget_starting(slug: str) -> None:
    starting = dict(session.get(STARTING_KEY) or {})
    if starting.pop(slug, None) is not None:
        if starting:
            session[STARTING_KEY] = starting
        else:
            session.pop(STARTING_KEY, None)


def _questionnaire(slug: str) -> tuple[QuestionnaireVersion, Questionnaire]:
    version = live_version(get_db(), slug)
    if version is None:
        abort(404)
    if version.questionnaire.closed_at is not None:
        abort(410)  # the survey has ended: a friendly page says so
    return version, questionnaire_for_version(version)


def _note_channel(slug: str) -> None:
    """Remember the channel code of the link (``?c=shelter-north``) until the draft starts.
    Only codes staff defined count; anything else is the plain web link."""
    code = request.args.get("c")
    if code and code_is_channel(get_db(), slug, code):
        session[CHANNEL_KEY] = {**(session.get(CHANNEL_KEY) or {}), slug: code}


def _retention_days() -> int:
    return int(current_app.config["DRAFT_RETENTION_DAYS"])


def _draft(slug: str) -> OpenDraft | None:
    handle = _handle(slug)
    draft = drafts.find_draft(get_db(), handle["t"] if handle else None, retention_days=_retention_days())
    if handle and draft is None:
        _forget(slug)  # the draft was submitted, deleted or expired
    return draft


def _draft_questionnaire(draft: OpenDraft) -> Questionnaire:
    return questionnaire_by_hash(get_db(), draft.version_id, draft.content_hash)


def _context(slug: str, lang: str, draft: OpenDraft | None = None) -> tuple[Questionnaire, dict[str, Any]]:
    """The questionnaire the respondent answers (the draft's version if there is one) and the
    template context every page shares."""
    if draft is not None:
        if draft.closed:
            abort(410)
        questionnaire = _draft_questionnaire(draft)
    else:
        _version, questionnaire = _questionnaire(slug)
    if lang not in questionnaire.language_codes:
        abort(404)
    return questionnaire, {
        "questionnaire": questionnaire,
        "slug": slug,
        "lang": lang,
        "t": localizer(questionnaire, lang),
        **_draft_context(slug, draft),
    }


def _draft_context(slug: str, draft: OpenDraft | None) -> dict[str, Any]:
    """What every page says about the respondent's draft: its resume code and how long it is kept."""
    if draft is None:
        return {"resume_code": None, "has_draft": False, "kept_until": None}
    handle = _handle(slug)
    # Announced on every page: an unannounced timeout would fail WCAG 2.2.1 / 2.2.6.
    kept_until = draft.last_saved_on + timedelta(days=_retention_days())
    return {
        "resume_code": handle["c"] if handle else None,
        "has_draft": True,
        # Formatted only when a page is rendered: most submissions redirect.
        "kept_until": LazyString(format_date, kept_until, "long"),
    }


def _section_url(slug: str, lang: str, section: Section, **extra: Any) -> str:
    return url_for("respondent.section", slug=slug, lang=lang, section_code=section.code, **extra)


def _resume_url(slug: str, lang: str, questionnaire: Questionnaire, draft: Any) -> str:
    """Where ``draft`` (an OpenDraft, or the ORM Draft just started or resumed) continues."""
    if draft.current_section == REVIEW:
        return url_for("respondent.review", slug=slug, lang=lang)
    section = questionnaire.section(draft.current_section or "") or visible_sections(questionnaire, draft.answers)[0]
    return _section_url(slug, lang, section)


# --- pages -------------------------------------------------------------------------------------


@bp.get("/<slug>/")
def choose_language(slug: str) -> str | WerkzeugResponse:
    _version, questionnaire = _questionnaire(slug)
    _note_channel(slug)
    chosen = request.args.get("lang")
    if chosen in questionnaire.language_codes:
        return redirect(url_for("respondent.intro", slug=slug, lang=chosen))
    draft = _draft(slug)
    draft_language = draft.language if draft is not None and draft.language in questionnaire.language_codes else None
    # "Choose another language" (?choose=1) shows the choice even to someone with a draft.
    if draft_language and request.args.get("choose") != "1":
        return redirect(url_for("respondent.intro", slug=slug, lang=draft_language))
    offered = list(questionnaire.language_codes)
    aliases = {"fa-AF": "prs"}
    best = request.accept_languages.best_match(offered + list(aliases))
    preselected = draft_language or aliases.get(best or "", best) or questionnaire.default_language
    return render_template(
        "respondent/language.html",
        questionnaire=questionnaire,
        slug=slug,
        offered=[LANGUAGES[tag] for tag in offered],
        preselected=preselected,
        t=localizer(questionnaire, preselected),
    )


@bp.get("/<slug>/<lang>/")
def intro(slug: str, lang: str) -> str:
    _note_channel(slug)
    draft = _draft(slug)
    questionnaire, context = _context(slug, lang, draft)
    continue_url = _resume_url(slug, lang, questionnaire, draft) if draft is not None else None
    return render_template("respondent/intro.html", continue_url=continue_url, **context)


def _intro_again(slug: str, lang: str, message: str, status: int, headers: dict[str, str]) -> Any:
    """The intro page once more, with ``message`` above it: the start could not happen now."""
    _model, context = _context(slug, lang)
    return render_template("respondent/intro.html", continue_url=None, retry_message=message, **context), status, headers


@bp.post("/<slug>/<lang>/start")
def start(slug: str, lang: str) -> Any:
    """Consent given: the first page. No draft is stored yet (a flood of starts costs the database
    nothing); the first answer saved creates it (``_start_draft``)."""
    draft = _draft(slug)
    if draft is not None:
        return redirect(_resume_url(slug, lang, _draft_questionnaire(draft), draft))
    _version, questionnaire = _questionnaire(slug)
    if lang not in questionnaire.language_codes:
        abort(404)
    channels = dict(session.get(CHANNEL_KEY) or {})
    _mark_starting(slug, channels.pop(slug, None) or _starting_channel(slug) or "web")
    if channels:
        session[CHANNEL_KEY] = channels
    else:
        session.pop(CHANNEL_KEY, None)
    return redirect(_section_url(slug, lang, visible_sections(questionnaire, {})[0]))


def _start_draft(slug: str, lang: str, answers: dict[str, Any], resume_at: str | None) -> OpenDraft | Decision:
    """The draft of a respondent who started, created with their first answers; or why not now
    (a rate limit reached: nothing is stored, the page shows what they entered)."""
    refusal = busy.refused(busy.START, slug)
    if refusal is not None:
        return refusal
    version, _questionnaire_model = _questionnaire(slug)
    channel = _starting_channel(slug) or "web"
    _draft_row, handle = drafts.start_draft(get_db(), version, lang, channel, answers, resume_at)
    _remember(slug, handle)
    _forget_starting(slug)
    started = drafts.find_draft(get_db(), handle.token, retention_days=_retention_days())
    assert started is not None  # just written, in this transaction
    return started


def _render_section(
    questionnaire: Questionnaire,
    context: dict[str, Any],
    section: Section,
    answers: dict[str, Any],
    form: Any = None,
    errors: list[AnswerError] | None = None,
    notice: str | None = None,
    status: int = 200,
    retry_message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    html = render_template(
        "respondent/section.html",
        **section_context(questionnaire, section, answers, form, errors, notice, localize=context["t"]),
        returning=request.values.get("return") == "review",
        retry_message=retry_message,
        **context,
    )
    if retry_message:
        return html, status, headers or busy.unavailable_headers()
    return html, status


@bp.route("/<slug>/<lang>/p/<section_code>", methods=["GET", "POST"])
def section(slug: str, lang: str, section_code: str) -> Any:
    draft = _draft(slug)
    if draft is None and _starting_channel(slug) is None:
        return redirect(url_for("respondent.intro", slug=slug, lang=lang))
    questionnaire, context = _context(slug, lang, draft)
    current = questionnaire.section(section_code)
    if current is None:
        abort(404)
    answers = dict(draft.answers) if draft is not None else {}
    if request.method == "GET":
        if current not in visible_sections(questionnaire, answers):
            following = neighbour_section(questionnaire, answers, current, +1)
            return redirect(_section_url(slug, lang, following) if following else url_for("respondent.review", slug=slug, lang=lang))
        return _render_section(questionnaire, context, current, answers)

    action = request.form.get("action", "next")
    form = request.form.to_dict(flat=False)
    shown = request.form.get("_shown", "").split()
    result = read_page(questionnaire, current, form, answers, shown, enforce_required=action == "next")
    merged = merge_page(questionnaire, current, answers, result.answers)

    target_lang = lang
    page_questionnaire, page_context = questionnaire, context  # for a retry, the page as it was
    if action == "switch_language" and request.form.get("new_language") in questionnaire.language_codes:
        target_lang = request.form["new_language"]
        questionnaire, context = _context(slug, target_lang, draft)
    # Where the respondent goes next, which is also where they resume when they come back.
    destination: Section | None = current
    if not (result.errors or result.newly_shown or action == "switch_language"):
        if action == "back":
            destination = neighbour_section(questionnaire, merged, current, -1)
        elif request.form.get("return") == "review":
            destination = None
        else:
            destination = neighbour_section(questionnaire, merged, current, +1)
    resume_at = destination.code if destination else (current.code if action == "back" else REVIEW)
    try:
        if draft is not None:
            saved = drafts.save_answers(get_db(), draft, merged, resume_at, target_lang)
        elif merged:  # the first answer: now there is something to keep
            started = _start_draft(slug, target_lang, merged, resume_at)
            if isinstance(started, Decision):
                return _render_section(page_questionnaire, page_context, current, merged, form, result.errors or None,
                                       status=429, retry_message=busy.too_many_message(),
                                       headers=busy.retry_headers(started.retry_after))
            saved, context = True, {**context, **_draft_context(slug, started)}
        else:
            saved = True  # nothing answered yet: nothing to store
    except DATABASE_UNAVAILABLE:
        # Locked or unreachable: the same page again, filled in with what was just posted.
        request_db.discard()
        return _render_section(page_questionnaire, page_context, current, merged, form, result.errors or None,
                               status=503, retry_message=busy.database_busy_message())

    if not saved:
        # Submitted or deleted in another tab meanwhile: the intro says what can be done now.
        _forget(slug)
        return redirect(url_for("respondent.intro", slug=slug, lang=lang))
    if result.errors:
        return _render_section(questionnaire, context, current, merged, form, result.errors, status=422)
    if action == "switch_language":
        return redirect(_section_url(slug, target_lang, current))
    if result.newly_shown:
        notice = newly_shown_notice()
        return _render_section(questionnaire, context, current, merged, form=None, notice=notice)
    if destination is not None:
        return redirect(_section_url(slug, lang, destination))
    if action == "back":
        return redirect(url_for("respondent.intro", slug=slug, lang=lang))
    return redirect(url_for("respondent.review", slug=slug, lang=lang))


@bp.get("/<slug>/<lang>/review")
def review(slug: str, lang: str) -> Any:
    draft = _draft(slug)
    if draft is None and _starting_channel(slug) is None:
        return redirect(url_for("respondent.intro", slug=slug, lang=lang))
    questionnaire, context = _context(slug, lang, draft)
    return _render_review(questionnaire, context, draft.answers if draft is not None else {})


def _render_review(questionnaire: Questionnaire, context: dict[str, Any], answers: dict[str, Any],
                   status: int = 200, retry_message: str | None = None, headers: dict[str, str] | None = None) -> Any:
    rows = answer_summary(questionnaire, answers, context["t"])
    html = render_template("respondent/review.html", rows=rows, retry_message=retry_message, **context)
    return html, status, headers or {}


@bp.post("/<slug>/<lang>/submit")
def submit(slug: str, lang: str) -> Any:
    handle = _handle(slug)
    db = get_db()
    draft = _draft(slug)
    if draft is None and _starting_channel(slug) is None:
        # A second click, the back button or a replayed form: the response is already stored.
        if (handle and drafts.already_submitted(db, handle["t"])) or slug in session.get(SUBMITTED_KEY, []):
            _forget(slug, submitted=True)
            return redirect(url_for("respondent.thanks", slug=slug, lang=lang))
        return redirect(url_for("respondent.intro", slug=slug, lang=lang))
    questionnaire, context = _context(slug, lang, draft)
    answers = prune_hidden(questionnaire, draft.answers if draft is not None else {})
    missing = missing_answers(questionnaire, answers)
    if missing is not None:
        incomplete, errors = missing
        return _render_section(questionnaire, context, incomplete, answers, errors=errors, status=422)
    try:
        refusal, stored = None, None
        if draft is None:  # sent without a single answer (every question optional)
            started = _start_draft(slug, lang, answers, REVIEW)
            refusal, draft = (started, None) if isinstance(started, Decision) else (None, started)
        if draft is not None:
            refusal = busy.refused(busy.SUBMIT, slug)
        if refusal is None and draft is not None:
            draft.language = lang
            stored = drafts.submit_draft(db, draft, answers, interviewer_entered=is_interview(session, slug))
            if stored is None:
                request_db.discard()  # sent already, in another tab: nothing of this attempt stays
            else:
                # A provider questionnaire: the answers also become an offer for staff review.
                offer_from_response(db, questionnaire, stored)
    except DATABASE_UNAVAILABLE:
        request_db.discard()
        return _render_review(questionnaire, context, answers, 503, busy.database_busy_message(), busy.unavailable_headers())
    if refusal is not None:
        # The answers stay in the draft; the review page offers the send button again.
        return _render_review(questionnaire, context, answers, 429, busy.too_many_message(),
                              busy.retry_headers(refusal.retry_after))
    end_interview(session, slug)
    _forget(slug, submitted=True)
    if stored is not None:
        # Field and district codes only, for the one thank-you view (survey/directory/thanks.py).
        remember_needs(session, slug, questionnaire, answers)
    return redirect(url_for("respondent.thanks", slug=slug, lang=lang))


@bp.get("/<slug>/<lang>/thanks")
def thanks(slug: str, lang: str) -> Any:
    questionnaire, context = _context(slug, lang)
    offers = thanks_context(session, get_db(), slug, questionnaire, lang)
    return render_template("respondent/thanks.html", **offers, **context)


@bp.route("/<slug>/<lang>/resume", methods=["GET", "POST"])
def resume(slug: str, lang: str) -> Any:
    _model, context = _context(slug, lang)
    error = None
    if request.method == "POST":
        code = request.form.get("code", "")[:40]
        if not drafts.is_resume_code(code):
            # Cannot be anyone's code: said at once, and not counted as a guess.
            error = gettext("A code has eight letters and digits, for example ABCD-7890. Please check what you typed.")
            return render_template("respondent/resume.html", error=error, code=code, **context), 422
        db = get_db()
        try:
            # Limited because each attempt is a guess at someone's code.
            refusal = busy.refused(busy.RESUME, slug)
            found = drafts.resume_with_code(db, code, slug, retention_days=_retention_days()) if refusal is None else None
        except DATABASE_UNAVAILABLE:
            request_db.discard()
            return render_template("respondent/resume.html", error=None, code=code, retry_message=busy.database_busy_message(),
                                   **context), 503, busy.unavailable_headers()
        if refusal is not None:
            return render_template("respondent/resume.html", error=None, code=code, retry_message=busy.too_many_message(),
                                   **context), 429, busy.retry_headers(refusal.retry_after)
        if found is None:
            error = gettext("We could not find answers with this code. Please check the code and try again.")
            return render_template("respondent/resume.html", error=error, code=code, **context), 422
        draft, handle = found
        _remember(slug, handle)
        return redirect(_resume_url(slug, lang, questionnaire_for_version(draft.version), draft))
    return render_template("respondent/resume.html", error=error, **context)


@bp.get("/<slug>/<lang>/accessibility")
def accessibility(slug: str, lang: str) -> str:
    draft = _draft(slug)
    _model, context = _context(slug, lang, draft)
    return render_template(
        "respondent/accessibility.html",
        contact=current_app.config["ACCESSIBILITY_CONTACT"],
        reviewed_on=format_date(date.fromisoformat(current_app.config["ACCESSIBILITY_REVIEWED_ON"]), "long"),
        **context,
    )


@bp.get("/<slug>/audio/<name>")
def audio(slug: str, name: str) -> WerkzeugResponse:
    """An audio clip the questionnaire names; nothing else in the audio folder is served."""
    _version, questionnaire = _questionnaire(slug)
    if name not in audio_names(questionnaire):
        abort(404)
    response = send_from_directory(
        Path(current_app.config["AUDIO_DIR"]), name, mimetype=AUDIO_TYPES[Path(name).suffix], max_age=86400
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<slug>/<lang>/delete", methods=["GET", "POST"])
def delete(slug: str, lang: str) -> Any:
    draft = _draft(slug)
    _model, context = _context(slug, lang, draft)
    if request.method == "POST":
        if draft is not None:
            db = get_db()
            drafts.delete_draft(db, draft)
        _forget(slug)
        _forget_starting(slug)
        return render_template("respondent/deleted.html", **{**context, "has_draft": False, "resume_code": None})
    return render_template("respondent/delete.html", **context)
