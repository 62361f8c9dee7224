"""The city's logo, served from this server (survey.store.legal_details)."""
from __future__ import annotations

from flask import abort, make_response, request
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.respondent import bp
from survey.store import legal_details
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
