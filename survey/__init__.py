"""KIM needs assessment survey: the Flask application factory."""
from __future__ import annotations

import datetime as dt
import os
from typing import Any, Mapping

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect

from survey.config import default_settings, load_or_create_secret_key
from survey.db import Database

csrf = CSRFProtect()
compress = Compress()


def create_app(test_config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Create the app: settings (defaults < SURVEY_* environment < test_config), database,
    Babel, CSRF, blueprints and the ``survey`` CLI commands. The instance folder is
    ``instance_path``, else ``SURVEY_INSTANCE_PATH``, else Flask's ``instance/``."""
    instance_path = instance_path or os.environ.get("SURVEY_INSTANCE_PATH") or None
    # Static files are served by survey.assets under fingerprinted names, not by Flask's route.
    app = Flask(__name__, instance_path=instance_path, static_url_path=None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(default_settings(app.instance_path))
    app.config.from_prefixed_env(prefix="SURVEY")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["SECURE_COOKIES"])
    app.session_interface = _SessionInterface()
    if int(app.config["PROXY_COUNT"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust X-Forwarded-Proto/Host/Prefix from that many proxies; never X-Forwarded-For:
        # respondents' addresses are not wanted anywhere.
        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=hops, x_host=hops, x_prefix=hops)  # type: ignore[method-assign]
    # One day more than the draft is kept: the cookie is refreshed once a day (_SessionInterface).
    app.permanent_session_lifetime = 60 * 60 * 24 * (int(app.config["DRAFT_RETENTION_DAYS"]) + 1)

    app.extensions["survey.db"] = Database.from_url(app.config["DATABASE_URL"])

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        from survey.request_db import close_db
        close_db()

    from survey.i18n import init_i18n
    init_i18n(app)
    from survey import upload_limits
    upload_limits.register(app)  # before the CSRF check, which reads the form first
    from survey import same_origin
    same_origin.register(app)  # the post's origin, as the browser states it (not the Referer alone)
    csrf.init_app(app)
    from survey import input_guard
    input_guard.register(app)  # U+0000 in any field: a 400 that says so, never a database error
    compress.init_app(app)
    from survey.assets import init_assets
    init_assets(app)
    from survey.security_headers import init_security_headers
    init_security_headers(app)

    from survey import directory, errors, respondent, staff
    app.register_blueprint(respondent.bp)
    app.register_blueprint(directory.bp)
    app.register_blueprint(staff.bp)
    errors.register(app)

    from survey.cli import register_commands
    register_commands(app)

    _quiet_request_log()
    return app


REFRESHED_ON = "_r"  # session key: the day a permanent session cookie was last sent


class _SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS (behind a proxy:
    with X-Forwarded-Proto trusted, see docs), not only when configured.

    A permanent session (a respondent with a draft) is sent again when it changed and otherwise
    once a day, not on every request: signing and sending the cookie was about a tenth of a page
    submission's work, and its expiry moving by the day is what the draft's own retention (counted
    in days since the last save) needs; the lifetime has a day's margin for it (create_app)."""

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


def _quiet_request_log() -> None:
    # Werkzeug's request log (survey run) would print client IP addresses; respondents'
    # addresses are never logged, so the address field is blanked (survey/request_log.py).
    from survey import request_log
    request_log.install()
