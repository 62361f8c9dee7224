"""What the privacy notice and the legal notice say beyond their fixed text, for the survey's copy
(survey/respondent/legal_pages.py) and the offer directory's (survey/directory/views.py): the
city's own details as entered (German) and the settings the notice quotes, read where they are
set, never typed into a text twice."""
from __future__ import annotations

from typing import Any

from flask import current_app

from survey.store import legal_details
from survey.web.config import current_threshold
from survey.web.request_db import get_db


def notice_context() -> dict[str, Any]:
    db = get_db()
    return {
        "details": legal_details.current(db),
        "logo": legal_details.logo(db),
        "draft_days": int(current_app.config["DRAFT_RETENTION_DAYS"]),
        "contact_days": int(current_app.config["CONTACT_RETENTION_DAYS"]),
        "threshold": current_threshold(),
    }
