"""Refuse a form post that the browser says came from another site, without needing a Referer.

The CSRF token (Flask-WTF) is the defence against cross-site posts and stays on every form. On
HTTPS Flask-WTF would also insist on a same-origin ``Referer`` (its "SSL strict" check, against a
sibling host that plants its own session cookie and token). That check refused every post over
HTTPS once pages asked browsers to send no referrer, and it refuses anyone whose browser or
privacy extension strips the header. So it is off (``WTF_CSRF_SSL_STRICT``), and this check asks
what the browser tells about a post's origin, most reliable first:

1. ``Sec-Fetch-Site`` (Fetch Metadata; Chromium, Firefox, Safari 16.4+): must be ``same-origin``
   (or ``none``: the person did it herself, e.g. sent a page again on reload).
2. ``Origin``: must be this site (``null``, sent by a page that hides its referrer, is refused).
3. ``Referer``: must be on this site. Pages send ``Referrer-Policy: same-origin``, so browsers
   without the first two (older Safari on a hand-me-down iPhone) still say where a post came
   from, while no other site ever learns which page a respondent was on.

A browser that says none of these gets the token check alone, as before. "This site" is the
address of the request (with ``SURVEY_PROXY_COUNT``, the one the proxy forwarded) and the
public address ``SURVEY_PUBLIC_BASE_URL``.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OWN_SITE_FETCHES = frozenset({"same-origin", "none"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL, or None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def is_cross_origin(sec_fetch_site: str | None, origin: str | None, referer: str | None,
                    own_origins: set[tuple[str, str, int]]) -> bool:
    """True when the first signal the browser gave names another origin."""
    if sec_fetch_site:
        return sec_fetch_site.strip().lower() not in OWN_SITE_FETCHES
    if origin:
        return origin_of(origin) not in own_origins
    if referer:
        return origin_of(referer) not in own_origins
    return False


def _own_origins() -> set[tuple[str, str, int]]:
    origins = {origin_of(request.host_url)}
    public = current_app.config.get("PUBLIC_BASE_URL") or ""
    if public:
        origins.add(origin_of(public))
    origins.discard(None)
    return origins  # type: ignore[return-value]


def _check() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    headers = request.headers
    if is_cross_origin(headers.get("Sec-Fetch-Site"), headers.get("Origin"), headers.get("Referer"), _own_origins()):
        raise CSRFError("The form was sent from another site.")


def register(app: Flask) -> None:
    app.config["WTF_CSRF_SSL_STRICT"] = False
    app.before_request(_check)
