"""Contact requests ("a counsellor may contact me"): counsellors only, not admins as such.

The audit log names the request by its number and the action, never the person's details.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from survey.directory.presenting import municipality
from survey.languages import LANGUAGES
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.store import audit, contact_requests
from survey.store.accounts import Role
from survey.web.request_db import get_db


@bp.get("/contacts")
@requires(Role.COUNSELLOR)
def contacts() -> str:
    """Open and handled requests; ``?district=`` shows the open ones naming that district or a
    district that lies in it (a district contact point picks up its own)."""
    db = get_db()
    city = municipality(db)
    retention = int(current_app.config["CONTACT_RETENTION_DAYS"])
    handled = [(item, contact_requests.deletion_date(item, retention))
               for item in contact_requests.handled_requests(db, retention)]
    district = request.args.get("district") or None
    if district not in city.district_codes:
        district = None
    open_requests = contact_requests.open_requests(db, city.codes_within(district) if district else None)
    return render_template("staff/contacts.html", open_requests=open_requests, handled=handled, city=city,
                           languages=LANGUAGES, retention_days=retention, chosen_district=district)


@bp.post("/contacts/<int:request_id>")
@requires(Role.COUNSELLOR)
def update_contact(request_id: int) -> Any:
    db = get_db()
    item = contact_requests.find_request(db, request_id, int(current_app.config["CONTACT_RETENTION_DAYS"]))
    if item is None:
        abort(404)
    action = request.form.get("action")
    if action == "handled":
        contact_requests.mark_handled(item, actor())
        audit.record(db, actor(), "contact_request_handled", f"contact-request:{request_id}")
        flash(gettext("Request %(number)d marked as handled.", number=request_id))
    elif action == "delete":
        db.delete(item)
        audit.record(db, actor(), "contact_request_deleted", f"contact-request:{request_id}")
        flash(gettext("Request %(number)d deleted.", number=request_id))
    else:
        abort(400)
    return redirect(url_for("staff.contacts"))
