"""The session cookie: Secure on every HTTPS request, and a respondent's long-lived cookie sent
only when it changed or once a day."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

REFRESHED_ON = "_r"  # session key: the day a permanent session cookie was last sent


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS (behind a proxy:
    with X-Forwarded-Proto trusted, see docs), not only when configured.

    A permanent session (a respondent with a draft) is sent again when it changed and otherwise
    once a day, not on every request: signing and sending the cookie was about a tenth of a page
    submission's work, and its expiry moving by the day is what the draft's own retention (counted
    in days since the last save) needs; the lifetime has a day's margin for it (survey.app.create_app)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        # Flask builds a new serializer on every request; one per key set does the same work.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]:
            today = _day_number()
            if session.get(REFRESHED_ON) != today:
                session[REFRESHED_ON] = today  # marks it modified: sent now, not again today
        return session.modified


def _day_number() -> int:
    return dt.date.today().toordinal()
