"""The Flask application factory: settings, database, plumbing, blueprints and CLI commands."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.cli import FlaskGroup
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect

from survey.store.db import Database
from survey.web import request_db
from survey.web.clients import ClientTokens
from survey.web.compression import Compression
from survey.web.config import (
    default_settings,
    load_or_create_secret_key,
    require_public_address,
    suppression_threshold,
    trusted_hosts,
)
from survey.web.sessions import SessionInterface

csrf = CSRFProtect()
compress = Compression()


class SurveyApp(Flask):
    """Flask, with the request's one commit: when the view has returned, its work is committed
    here (Indico's ``RH.process``); operations only flush, and a view that raised is rolled back
    when the session closes (survey.web.request_db)."""

    def dispatch_request(self) -> ResponseReturnValue:
        result = super().dispatch_request()
        request_db.commit()
        return result


def create_app(test_config: Mapping[str, Any] | None = None, instance_path: str | None = None,
               production: bool = False) -> Flask:
    """Create the app: settings (defaults < SURVEY_* environment < test_config), database,
    Babel, CSRF, blueprints and the ``survey`` CLI commands. The instance folder is
    ``instance_path``, else ``SURVEY_INSTANCE_PATH``, else Flask's ``instance/``."""
    instance_path = instance_path or os.environ.get("SURVEY_INSTANCE_PATH") or None
    # Static files are served by survey.web.assets under fingerprinted names, not by Flask's route.
    app = SurveyApp(__name__, instance_path=instance_path, static_url_path=None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(default_settings(app.instance_path))
    app.config.from_prefixed_env(prefix="SURVEY")
    if test_config:
        app.config.from_mapping(test_config)
    # Checked once here (a SettingError stops the start); read from the config ever after.
    app.config["SUPPRESSION_THRESHOLD"] = suppression_threshold(app.config)
    if production:
        require_public_address(app.config)
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["SECURE_COOKIES"])
    app.session_interface = SessionInterface()
    hops = int(app.config["PROXY_COUNT"])
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust X-Forwarded-Proto/Host from that many proxies; never X-Forwarded-For as an
        # address (below it only becomes a rate-limit token), never X-Forwarded-Prefix (the app
        # is served at the root of its host; a client's prefix would move every link).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=hops, x_host=hops, x_prefix=0)  # type: ignore[method-assign]
    # Outermost: the client's address becomes a per-minute token before anything else runs.
    app.wsgi_app = ClientTokens(app.wsgi_app, hops)  # type: ignore[method-assign]
    # One day more than the draft is kept: the cookie is refreshed once a day (survey.web.sessions).
    app.permanent_session_lifetime = 60 * 60 * 24 * (int(app.config["DRAFT_RETENTION_DAYS"]) + 1)

    app.extensions["survey.db"] = Database.from_url(app.config["DATABASE_URL"])
    from survey.store.accounts import INSECURE_HASHING
    if INSECURE_HASHING and not app.testing:
        app.logger.warning("SURVEY_INSECURE_PASSWORD_HASHING is set: staff passwords are hashed with test-only parameters")

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        from survey.web.request_db import close_db
        close_db()

    from survey.web.i18n import init_i18n
    init_i18n(app)
    from survey.web import upload_limits
    upload_limits.register(app)  # before the CSRF check, which reads the form first
    from survey.web import same_origin
    same_origin.register(app)  # the post's origin, as the browser states it (not the Referer alone)
    csrf.init_app(app)
    from survey.web import input_guard
    input_guard.register(app)  # U+0000 in any field: a 400 that says so, never a database error
    compress.init_app(app)
    from survey.web.assets import init_assets
    init_assets(app)
    from survey.web.security_headers import init_security_headers
    init_security_headers(app)
    from survey.web import housekeeping
    housekeeping.register(app)  # deletes what is past its retention, after a response, now and then

    from survey import directory, respondent, staff
    from survey.staff import error_pages
    from survey.web import errors
    app.register_blueprint(respondent.bp)
    app.register_blueprint(directory.bp)
    app.register_blueprint(staff.bp)
    errors.register(app, staff_pages=error_pages)

    from survey.cli import register_commands
    register_commands(app)

    _quiet_request_log()
    return app


def _quiet_request_log() -> None:
    # Werkzeug's request log (survey run) would print client IP addresses; respondents'
    # addresses are never logged, so the address field is blanked (survey/web/request_log.py).
    from survey.web import request_log
    request_log.install()


# The `survey` command (setup.cfg's entry point): Flask's command group around this app.
main = FlaskGroup(create_app=create_app, add_version_option=False, help="KIM needs assessment survey.")
