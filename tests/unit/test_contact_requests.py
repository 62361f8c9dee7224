""""A counsellor may contact me": validation, stored apart and unlinkable, counsellors only,
deletion of handled requests."""
from __future__ import annotations

import datetime as dt

from survey.store import contact_requests


def test_week_of_is_the_monday():
    assert contact_requests.week_of(dt.date(2026, 11, 22)) == dt.date(2026, 11, 16)  # a Sunday
    assert contact_requests.week_of(dt.date(2026, 11, 16)) == dt.date(2026, 11, 16)
