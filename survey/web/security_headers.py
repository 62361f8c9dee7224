"""Security headers on every response: a Content-Security-Policy without any inline script or
style, no framing (except the staff preview, framed by the staff's own preview page), no
MIME sniffing, no referrer to any other site (a respondent's link must not travel; our own
server hears it, for the same-origin check of posts, survey/web/same_origin.py), no powerful browser
features.

Templates therefore carry no ``<script>`` without ``src`` (JSON data blocks excepted, they do not
run), no ``style=""``, no ``<style>`` and no ``on...=`` handlers; tests/test_security_headers.py
walks every page for them.
"""
from __future__ import annotations

from flask import Flask, Response, request

CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = "; ".join((*CSP_DIRECTIVES, "frame-ancestors 'none'"))
# The preview of a respondent page is shown in a phone-sized frame on the staff preview page.
FRAMEABLE_POLICY = "; ".join((*CSP_DIRECTIVES, "frame-ancestors 'self'"))
FRAMEABLE_ENDPOINTS = frozenset({"staff.preview_section"})

# The full address to our own pages only (older browsers state a post's origin no other way);
# nothing to other sites.
REFERRER_POLICY = "same-origin"
# Features a survey never needs; denied so no injected or third-party code could ask for them.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Sent only over HTTPS (browsers ignore it over HTTP); no includeSubDomains, because other hosts
# of the city's domain are not ours to decide for.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def security_headers(response: Response) -> Response:
    """Add the headers unless a view set its own (``setdefault``)."""
    frameable = request.endpoint in FRAMEABLE_ENDPOINTS
    headers = response.headers
    headers.setdefault("Content-Security-Policy", FRAMEABLE_POLICY if frameable else CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "SAMEORIGIN" if frameable else "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(security_headers)
