"""Rate limits as the views use them: count one hit of a step in the database (shared by every
worker and host) and say whether the step may go on (survey.store.rate_limits keeps the counts).

An allowed hit is committed at once, before the step does its work: it counts even if the step
then fails, and the bucket row's lock is held only for an instant. A refused hit is discarded, so
refusals do not count.
"""
from __future__ import annotations

from flask import current_app

from survey.store import rate_limits
from survey.web import request_db


def refused(setting: str, kind: str, name: str = "") -> rate_limits.Decision | None:
    """The refusal when the limit ``setting`` (per minute, 0: none) of the step ``kind`` (for
    ``name``, e.g. a questionnaire) is reached, else None."""
    decision = rate_limits.hit(request_db.get_db(), rate_limits.bucket_key(kind, name), int(current_app.config[setting]))
    if decision.allowed:
        request_db.commit()
        return None
    request_db.discard()
    return decision
