"""Staff login, logout, password change, and the role check every staff view goes through."""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, gettext, ngettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.respondent.interviewer import end_interview
from survey.staff import bp
from survey.store import accounts, audit
from survey.store.accounts import Role
from survey.store.models import StaffUser, utcnow
from survey.web import limits, request_db
from survey.web.redirects import local_path
from survey.web.request_db import get_db

View = TypeVar("View", bound=Callable[..., Any])
SESSION_USER, SESSION_EPOCH, SESSION_SEEN = "staff_user", "staff_epoch", "staff_seen"
SESSION_STARTED = "staff_started"
IDLE_TIMEOUT = dt.timedelta(hours=8)
DEVICE_COOKIE = "survey_device"
DEVICE_COOKIE_LIFETIME = dt.timedelta(days=365)


def requires(*roles: Role) -> Callable[[View], View]:
    """Allow a view to logged-in staff holding any of ``roles`` (none given: any staff member)."""

    def decorate(view: View) -> View:
        view.required_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorate


def public(view: View) -> View:
    view.required_roles = None  # type: ignore[attr-defined]
    return view


def current_staff() -> StaffUser | None:
    return g.get("staff")


def actor() -> str:
    user = current_staff()
    return user.email if user else "anonymous"


def _load_user() -> StaffUser | None:
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return None
    seen = session.get(SESSION_SEEN, 0)
    started = session.get(SESSION_STARTED, 0)
    now = utcnow().timestamp()
    lifetime = float(current_app.config["STAFF_SESSION_HOURS"]) * 3600
    if now - seen > IDLE_TIMEOUT.total_seconds() or now - started > lifetime:
        _end_session()  # idle for too long, or older than any session may get: log in again
        return None
    user = get_db().get(StaffUser, user_id)
    if user is None or not user.active or user.session_epoch != session.get(SESSION_EPOCH):
        _end_session()  # deactivated, or the password changed since: logged out everywhere
        return None
    session[SESSION_SEEN] = int(now)
    return user


def _end_session() -> None:
    for key in (SESSION_USER, SESSION_EPOCH, SESSION_SEEN, SESSION_STARTED):
        session.pop(key, None)
    end_interview(session)


@bp.before_request
def check_access() -> WerkzeugResponse | None:
    view = current_app.view_functions.get(request.endpoint or "")
    if not hasattr(view, "required_roles"):
        abort(403)  # every staff view must say who may use it
    required = view.required_roles  # type: ignore[union-attr]
    g.staff = _load_user()
    if required is None:
        return None
    user = g.staff
    if user is None:
        return redirect(url_for("staff.login", next=request.full_path if request.method == "GET" else None))
    if user.must_change_password and request.endpoint not in ("staff.change_password", "staff.logout"):
        return redirect(url_for("staff.change_password"))
    if required and not (user.role_set & {role.value for role in required}):
        abort(403)
    return None


@bp.after_request
def no_store(response: Any) -> Any:
    # Staff pages, exports and charts show response data and personal account data: no browser or
    # proxy keeps a copy (send_file's "no-cache" would still store the file).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def staff_context() -> dict[str, Any]:
    user = g.get("staff")
    return {"staff_user": user, "staff_roles": user.role_set if user else frozenset()}


def _safe_next(target: str | None) -> str:
    # Only paths inside the staff area: never an open redirect to another site.
    return local_path(target, "/staff/") or url_for("staff.home")


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt="staff-device")


def _trusted_device(email: str) -> bool:
    """The browser logged in to this account before (OWASP's device cookie): its failed logins
    are counted apart, so guessing from elsewhere cannot lock the owner out."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return False
    try:
        data = _device_serializer().loads(cookie, max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()))
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("e") == accounts.normalize_email(email)


def _remember_device(response: WerkzeugResponse, email: str) -> None:
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps({"e": email}), path="/staff/",
                        max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()), httponly=True, samesite="Lax",
                        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]) or request.is_secure)


def _since_last_login(result: accounts.LoginResult) -> str | None:
    """Told to the owner at login: what unknown browsers tried since the last one."""
    if result.locked_since_login:
        return ngettext("Since your last login, someone tried %(num)d time to log in to your account with a wrong "
                        "password, and it was locked for unknown browsers for a while. If this was not you, tell your "
                        "administrator.",
                        "Since your last login, someone tried %(num)d times to log in to your account with a wrong "
                        "password, and it was locked for unknown browsers for a while. If this was not you, tell your "
                        "administrator.", result.failed_since_login)
    if result.failed_since_login:
        return ngettext("Since your last login, someone tried %(num)d time to log in to your account with a wrong "
                        "password. If this was not you, tell your administrator.",
                        "Since your last login, someone tried %(num)d times to log in to your account with a wrong "
                        "password. If this was not you, tell your administrator.", result.failed_since_login)
    return None


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    error = None
    if request.method == "POST":
        db = get_db()
        # All logins together, before any password is checked: bounds guessing across many
        # accounts (each account also locks itself) and the Argon2 work an attacker can cause.
        refusal = limits.refused("RATE_LIMIT_LOGINS", "RATE_LIMIT_CLIENT_LOGINS", "login")
        if refusal is not None:
            error = gettext("Too many login attempts in the last minute. Please wait a minute and try again.")
            return (render_template("staff/login.html", error=error, next=request.form.get("next", "")), 429,
                    {"Retry-After": str(refusal.retry_after)})
        email = request.form.get("email", "")[:254]
        password = request.form.get("password", "")[:1024]
        trusted = _trusted_device(email)
        check = accounts.login_check(db, email, trusted)
        request_db.end_read()  # no write lock waits while Argon2 works
        correct = accounts.verify_password(check, password)
        result = accounts.record_login(db, check, correct, trusted, password)
        if result.ok and result.user is not None:
            session.clear()  # a fresh session: nothing carried over from before the login
            now = int(utcnow().timestamp())
            session[SESSION_USER] = result.user.id
            session[SESSION_EPOCH] = result.user.session_epoch
            session[SESSION_SEEN] = session[SESSION_STARTED] = now
            audit.record(db, result.user.email, "login", trusted_device=trusted)
            notice = _since_last_login(result)
            if notice:
                flash(notice, "warning")
            response = redirect(_safe_next(request.form.get("next")))
            _remember_device(response, result.user.email)
            return response
        audit.record(db, accounts.normalize_email(email) or "?", "login_failed", locked=bool(result.locked_until),
                     trusted_device=trusted)
        if result.locked_until is not None:
            error = gettext("Too many failed attempts. This account is locked until %(time)s.",
                            time=format_datetime(result.locked_until, "short"))
        else:
            error = gettext("E-mail address or password is wrong.")
    return render_template("staff/login.html", error=error, next=request.args.get("next", "")), (401 if error else 200)


@bp.post("/logout")
@public
def logout() -> WerkzeugResponse:
    user = current_staff()
    if user is not None:
        db = get_db()
        accounts.end_sessions(db, user)  # a copy of this session's cookie is worth nothing now
        audit.record(db, user.email, "logout")
    _end_session()
    flash(gettext("You are logged out."))
    return redirect(url_for("staff.login"))


@bp.route("/password", methods=["GET", "POST"])
@requires()
def change_password() -> Any:
    user = current_staff()
    assert user is not None
    error = None
    if request.method == "POST":
        db = get_db()
        check = accounts.login_check(db, user.email, trusted=True)
        request_db.end_read()  # the two Argon2 hashes below hold no database lock
        correct = accounts.verify_password(check, request.form.get("current", ""))
        new_hash = None
        if correct and request.form.get("new", "") == request.form.get("repeat", ""):
            with contextlib.suppress(accounts.AccountError):
                new_hash = accounts.hash_password(request.form.get("new", ""))
        if not accounts.record_login(db, check, correct, trusted=True).ok:
            error = gettext("The current password is wrong.")
        elif request.form.get("new", "") != request.form.get("repeat", ""):
            error = gettext("The two new passwords differ.")
        elif new_hash is None:
            error = gettext("The new password must have at least %(n)d characters.", n=accounts.MIN_PASSWORD_LENGTH)
        else:
            accounts.change_password(db, user, "", password_hash=new_hash)
            audit.record(db, user.email, "password_changed", user.email)
            session[SESSION_EPOCH] = user.session_epoch  # this session stays, all others end
            flash(gettext("Your password was changed. You were logged out on every other device."))
            return redirect(url_for("staff.home"))
    return render_template("staff/password.html", error=error), (422 if error else 200)


@bp.get("/")
@requires()
def home() -> str:
    return render_template("staff/home.html")


@bp.errorhandler(403)
def forbidden(_error: Exception) -> tuple[str, int]:
    return render_template(
        "staff/error.html", title=gettext("No access"),
        message=gettext("Your role does not include this page. An admin can give you the role you need."),
    ), 403
