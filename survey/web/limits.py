"""Rate limits as the views use them: count one hit of a step in the database (shared by every
worker and host), for the client (survey/web/clients.py: a token, never an address) and for
everyone together, and say whether the step may go on (survey.store.rate_limits keeps the counts).

The client's limit stops one flooding client long before the global ceiling, so the others go on;
the global ceiling is the last line against many clients at once. An allowed hit is committed at
once, before the step does its work: it counts even if the step then fails, and the bucket rows'
locks are held only for an instant. A refused hit is discarded, so refusals do not count.
"""
from __future__ import annotations

from flask import current_app, request

from survey.store import rate_limits
from survey.web import request_db
from survey.web.clients import ENVIRON_KEY


def refused(setting: str, client_setting: str, kind: str, name: str = "") -> rate_limits.Decision | None:
    """The refusal when a limit of the step ``kind`` (for ``name``, e.g. a questionnaire) is
    reached, else None: ``client_setting`` per client and ``setting`` for all clients together,
    each per minute (0: none)."""
    db = request_db.get_db()
    client = request.environ.get(ENVIRON_KEY)
    decisions = []
    if client:
        decisions.append(rate_limits.hit(db, rate_limits.client_bucket_key(kind, client, name),
                                         int(current_app.config[client_setting])))
    if all(decision.allowed for decision in decisions):
        decisions.append(rate_limits.hit(db, rate_limits.bucket_key(kind, name), int(current_app.config[setting])))
    if any(decision.count == 1 for decision in decisions):  # a new minute for a key: past minutes' client rows go
        rate_limits.purge_past_clients(db)
    refusal = next((decision for decision in decisions if not decision.allowed), None)
    if refusal is None:
        request_db.commit()
        return None
    request_db.discard()
    return refusal
