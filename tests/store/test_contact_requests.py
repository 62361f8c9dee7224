""""A counsellor may contact me": validation, stored apart and unlinkable, counsellors only,
deletion of handled requests."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select

from survey.store import contact_requests
from survey.store.models import ContactRequest


def test_the_table_has_nothing_that_could_link_a_request_to_answers(engine):
    columns = {column["name"] for column in inspect(engine).get_columns("contact_request")}
    # "district": a code of the city's list the person chose on the form, as "fields" are.
    assert columns == {"id", "week_of", "name", "phone", "email", "language", "fields", "district", "message", "handled_on",
                       "handled_by"}
    assert inspect(engine).get_foreign_keys("contact_request") == []


def test_handled_requests_are_deleted_after_the_retention_period(db):
    today = dt.date(2026, 11, 21)
    for handled in (None, today - dt.timedelta(days=89), today - dt.timedelta(days=90), today - dt.timedelta(days=400)):
        db.add(ContactRequest(week_of=dt.date(2026, 1, 5), name="x", phone="01511234", language="de", handled_on=handled))
    db.flush()
    assert contact_requests.delete_handled(db, 90, today) == 2
    left = sorted((r.handled_on or dt.date.min) for r in db.scalars(select(ContactRequest)))
    assert left == [dt.date.min, today - dt.timedelta(days=89)]  # the open one and the recent one stay
