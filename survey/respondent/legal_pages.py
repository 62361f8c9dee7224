"""The privacy notice and the legal notice of every survey, in the respondent's language, and the
city's logo, served from this server (survey.store.legal_details).

The fixed text is ours and translated (the "messages" catalogue); the city's details are shown as
entered, in German, marked ``lang="de"`` and said to be German in the reader's language.
"""
from __future__ import annotations

from flask import abort, make_response, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.respondent import bp
from survey.respondent.views import _context, _draft
from survey.store import legal_details
from survey.web.notices import notice_context
from survey.web.request_db import get_db


@bp.get("/logo.<ext>")
def logo(ext: str) -> WerkzeugResponse:
    """The logo as checked and encoded anew on upload (PNG or JPEG, never SVG)."""
    found = legal_details.logo(get_db())
    if found is None or found.extension != ext:
        abort(404)
    response = make_response(found.content)
    response.headers["Content-Type"] = found.media_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.set_etag(f"{found.updated_at.timestamp():.0f}-{len(found.content)}")
    return response.make_conditional(request)


@bp.get("/<slug>/<lang>/privacy")
def privacy(slug: str, lang: str) -> str:
    """The privacy notice (GDPR Art. 13) inside the survey: its header, its footer with the resume
    code and "delete my answers", in the respondent's language."""
    _model, context = _context(slug, lang, _draft(slug))
    return render_template("respondent/privacy.html", **notice_context(), **context)


@bp.get("/<slug>/<lang>/legal-notice")
def legal_notice(slug: str, lang: str) -> str:
    """The city's legal notice (Impressum, § 5 DDG), inside the survey."""
    _model, context = _context(slug, lang, _draft(slug))
    return render_template("respondent/legal_notice.html", **notice_context(), **context)
