"""Admin pages: staff accounts and the audit log."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from survey.staff import bp
from survey.staff.auth import actor, current_staff, requires
from survey.store import accounts, audit
from survey.store.accounts import Role
from survey.store.models import StaffUser
from survey.web.request_db import get_db


@bp.route("/users", methods=["GET", "POST"])
@requires(Role.ADMIN)
def users() -> Any:
    db = get_db()
    error = None
    if request.method == "POST":
        email = request.form.get("email", "")
        roles = request.form.getlist("roles")
        password = accounts.generate_password()
        try:
            user = accounts.create_user(db, email, password, roles, must_change_password=True)
        except accounts.AccountError as problem:  # raised before anything is added
            error = _account_message(problem, email)
        else:
            audit.record(db, actor(), "user_created", user.email, roles=user.roles)
            return render_template("staff/one_time_password.html", user=user, password=password)
    listing = accounts.list_users(db)
    return render_template("staff/users.html", users=listing, roles=list(Role), error=error), (422 if error else 200)


def _account_message(problem: accounts.AccountError, email: str) -> str:
    if problem.reason == "email_taken":
        return gettext("A user with the e-mail address %(email)s exists already.", email=accounts.normalize_email(email))
    if problem.reason in ("no_role", "role_unknown"):
        return gettext("Choose at least one role.")
    return gettext("Please enter a valid e-mail address.")  # the password is generated here


def _user(user_id: int) -> StaffUser:
    user = get_db().get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>")
@requires(Role.ADMIN)
def update_user(user_id: int) -> Any:
    db = get_db()
    user = _user(user_id)
    me = current_staff()
    action = request.form.get("action")
    if action == "roles":
        try:
            roles = accounts.parse_roles(request.form.getlist("roles"))
        except accounts.AccountError:
            flash(gettext("Choose at least one role."), "error")
            return redirect(url_for("staff.users"))
        if me is not None and user.id == me.id and Role.ADMIN.value not in roles.split():
            flash(gettext("You cannot take the admin role from yourself."), "error")
            return redirect(url_for("staff.users"))
        user.roles = roles
        audit.record(db, actor(), "user_roles_changed", user.email, roles=roles)
        flash(gettext("Roles of %(email)s changed.", email=user.email))
    elif action in ("deactivate", "activate"):
        if me is not None and user.id == me.id:
            flash(gettext("You cannot deactivate yourself."), "error")
            return redirect(url_for("staff.users"))
        user.active = action == "activate"
        accounts.end_sessions(db, user)  # a deactivated user is logged out at once
        audit.record(db, actor(), f"user_{action}d", user.email)
        flash(gettext("%(email)s is active again.", email=user.email) if user.active
              else gettext("%(email)s can no longer log in.", email=user.email))
    elif action == "reset":
        password = accounts.reset_password(db, user)
        audit.record(db, actor(), "user_password_reset", user.email)
        return render_template("staff/one_time_password.html", user=user, password=password)
    else:
        abort(400)
    return redirect(url_for("staff.users"))


@bp.get("/audit")
@requires(Role.ADMIN)
def audit_log() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    events = audit.recent_events(get_db(), limit=100, offset=(page - 1) * 100)
    return render_template("staff/audit.html", events=events, page=page)
