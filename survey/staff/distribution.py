"""Distribution: the public link, QR codes, a printable flyer, channel codes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.distribution import public_link, qr_png, qr_svg
from survey.exports.report_pdf import PdfUnavailable, html_to_pdf, pdf_available
from survey.languages import LANGUAGES
from survey.respondent import flyer_texts
from survey.respondent.interviewer import start_interview
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.questionnaires import questionnaire_row
from survey.store import audit
from survey.store.accounts import Role
from survey.store.questionnaires import add_channel, channels_of, code_is_channel, live_version, questionnaire_for_version
from survey.web.request_db import get_db

# The PDF stands alone: WeasyPrint is handed the stylesheet the page links.
FLYER_STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "flyer.css"


def _base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


def _channel_arg(slug: str) -> str | None:
    channel = request.args.get("c") or None
    if channel is not None and not code_is_channel(get_db(), slug, channel):
        abort(404)
    return channel


def _live(slug: str) -> Any:
    version = live_version(get_db(), slug)
    if version is None:
        abort(404)
    return version


@bp.route("/q/<slug>/distribute", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def distribute(slug: str) -> Any:
    db = get_db()
    row = questionnaire_row(slug)
    error = None
    if request.method == "POST":
        try:
            channel = add_channel(db, row, request.form.get("code", ""), request.form.get("description", ""))
        except ValueError:  # raised before anything is added
            error = gettext("A channel code is 1 to 16 lower-case letters, digits or '-', not 'web', and not used yet in this "
                            "questionnaire.")
        else:
            audit.record(db, actor(), "channel_added", slug, channel=channel.code)
            flash(gettext("Channel %(code)s added.", code=channel.code))
            return redirect(url_for("staff.distribute", slug=slug))
    version = live_version(db, slug)
    model = questionnaire_for_version(version) if version else None
    return render_template(
        "staff/distribute.html", row=row, model=model, link=public_link(_base_url(), slug),
        channels=[(c, public_link(_base_url(), slug, c.code)) for c in channels_of(db, row)],
        languages=LANGUAGES, error=error, pdf_available=pdf_available(),
    ), (422 if error else 200)


@bp.get("/q/<slug>/qr.<fmt>")
@requires(Role.DESIGNER)
def qr_code(slug: str, fmt: str) -> Response:
    _live(slug)
    channel = _channel_arg(slug)
    link = public_link(_base_url(), slug, channel)
    name = f"{slug}{'-' + channel if channel else ''}-qr.{fmt}"
    if fmt == "svg":
        response = Response(qr_svg(link, title=link), mimetype="image/svg+xml")
    elif fmt == "png":
        response = Response(qr_png(link), mimetype="image/png")
    else:
        abort(404)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/q/<slug>/flyer")
@requires(Role.DESIGNER)
def flyer(slug: str) -> str:
    """An A4 page to print: the title and one sentence on anonymity in each chosen language,
    the QR code and the link. The browser prints it; flyer.pdf is the same page as a PDF."""
    return _flyer_html(slug)


@bp.get("/q/<slug>/flyer.pdf")
@requires(Role.DESIGNER)
def flyer_pdf(slug: str) -> Response | tuple[str, int]:
    """The flyer as an A4 PDF, laid out by WeasyPrint like the council report."""
    try:
        content = html_to_pdf(_flyer_html(slug, as_pdf=True), stylesheet=FLYER_STYLESHEET.read_text(encoding="utf-8"))
    except PdfUnavailable as error:
        current_app.logger.warning("flyer as PDF: %s", error)
        return render_template("staff/error.html", title=gettext("PDF is not available"), message=gettext(
            "PDF is not available on this server: it needs the Pango library (ask the administrator; see docs/deployment.md).")
            + " " + gettext("The flyer as a web page works; print it to PDF from the browser.")), 503
    channel = request.args.get("c")
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}{"-" + channel if channel else ""}-flyer.pdf"'
    return response


def _flyer_html(slug: str, as_pdf: bool = False) -> str:
    model = questionnaire_for_version(_live(slug))
    channel = _channel_arg(slug)
    chosen = [lang for lang in request.args.getlist("lang") if lang in model.language_codes] or list(model.language_codes)
    link = public_link(_base_url(), slug, channel)
    blocks = []
    for tag in chosen:
        language = LANGUAGES[tag]
        with force_locale(language.babel_locale):
            sentence, invitation = str(flyer_texts.ANONYMITY), str(flyer_texts.INVITATION)
        title = model.title.resolve(model.chain(tag))
        blocks.append({"language": language, "title": title, "sentence": sentence, "invitation": invitation})
    return render_template("staff/flyer.html", model=model, blocks=blocks, link=link, qr=qr_svg(link, scale=8),
                           as_pdf=as_pdf)


@bp.post("/q/<slug>/interview")
@requires(Role.DESIGNER, Role.ANALYST)
def interview(slug: str) -> WerkzeugResponse:
    """Enter a paper questionnaire or help a respondent on this device: the ordinary respondent
    pages, but the response is marked as interviewer-entered."""
    model = questionnaire_for_version(_live(slug))
    lang = request.form.get("lang") if request.form.get("lang") in model.language_codes else model.default_language
    db = get_db()
    audit.record(db, actor(), "interview_started", slug, language=lang)
    start_interview(session, slug)
    return redirect(url_for("respondent.intro", slug=slug, lang=lang))
