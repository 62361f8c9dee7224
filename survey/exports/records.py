"""One submitted response as the export writers read it (no Flask, no database)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class ResponseRecord:
    response_id: str
    submitted_at: dt.datetime
    language: str
    questionnaire_version: int
    channel: str
    answers: Mapping[str, Any]
    interviewer_entered: bool = False  # staff entered it (paper questionnaire, assisted)

    @property
    def submitted_utc(self) -> dt.datetime:
        """The submission time as an aware UTC datetime (SQLite returns naive ones, stored as UTC)."""
        submitted = self.submitted_at
        if submitted.tzinfo is None:
            submitted = submitted.replace(tzinfo=dt.timezone.utc)
        return submitted.astimezone(dt.timezone.utc)
