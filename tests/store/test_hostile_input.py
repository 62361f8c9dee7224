"""Every hostile payload that can reach the database (tests/hostile.py: all but NUL, which the
input guard refuses) through the store functions behind the forms, on SQLite and PostgreSQL:
logins and staff accounts, channel codes, resume codes, and a respondent's answers from the page
reader to the submitted response. Each is stored as the function keeps it, or refused with the
function's own error; tests/web/test_hostile_input.py posts a representative few through the forms.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey.respondent.page_answers import read_page
from survey.store import accounts, audit, drafts
from survey.store.models import AuditEvent, Channel, QuestionnaireVersion, Response, StaffUser
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.questionnaires import add_channel, code_is_channel
from tests.hostile import PAGES, PAYLOADS, STORABLE
from tests.staff_helpers import PASSWORD

SLUG = "needs-assessment"


@pytest.mark.parametrize("name", STORABLE)
def test_logins_and_accounts_take_every_payload(name, db):
    payload = PAYLOADS[name]
    accounts.create_user(db, "admin@musterstadt.example", PASSWORD, ["admin"])
    # The login form: cut to the lengths the view reads, never a user, recorded as a failure.
    result = accounts.authenticate(db, payload[:254], payload[:1024])
    assert not result.ok and result.locked_until is None
    audit.record(db, accounts.normalize_email(payload[:254]) or "?", "login_failed", locked=False)
    # The user form: an address made of the payload, one with it before the domain, a role named by it.
    for email, roles in ((payload, ["analyst"]), (f"{payload}@musterstadt.example", ["analyst"]),
                         ("ok@musterstadt.example", [payload])):
        try:
            user = accounts.create_user(db, email, accounts.generate_password(), roles, must_change_password=True)
        except accounts.AccountError as error:
            assert error.reason in ("email_invalid", "email_taken", "role_unknown", "no_role") and str(error)
        else:
            assert user.email == accounts.normalize_email(email) and accounts.EMAIL_PATTERN.match(user.email)
            assert set(user.roles.split()) <= {role.value for role in accounts.Role}
    with pytest.raises(accounts.AccountError):
        accounts.parse_roles([payload])  # the roles of an existing user
    db.flush()
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed")) == 1
    db.expire_all()
    assert all(accounts.EMAIL_PATTERN.match(user.email) for user in db.scalars(select(StaffUser)))


@pytest.mark.parametrize("name", STORABLE)
def test_channel_and_resume_codes_take_every_payload(name, db, bundled):
    payload = PAYLOADS[name]
    row = db.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
    valid_code = re.fullmatch(r"[a-z0-9-]{1,16}", payload.strip().lower()) is not None  # "nan", "1e309"
    # The link's ?c= before any channel exists, then the staff form: a code, and a description.
    assert not code_is_channel(db, SLUG, payload)
    try:
        channel = add_channel(db, row, payload, "x")
    except ValueError:
        assert not valid_code
    else:
        assert valid_code and channel.code == payload.strip().lower()
        assert code_is_channel(db, SLUG, channel.code)
    described = add_channel(db, row, "flyer-1", payload)
    assert described.description == payload.strip()[:200]
    db.expire_all()
    assert all(len(channel.description) <= 200 for channel in db.scalars(select(Channel)))
    # The resume form: cut to 40 characters by the view, then not a code of any draft.
    version = db.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == row.id))
    drafts.start_draft(db, version, "de")
    assert drafts.resume_with_code(db, payload[:40], SLUG, retention_days=30) is None


@pytest.mark.parametrize("name", STORABLE)
def test_answers_with_every_payload_are_stored_and_submitted(name, db, bundled):
    """The payload in every free-text field the page reader takes: saved in the draft, submitted
    as the response, read back exactly as the reader kept it."""
    payload = PAYLOADS[name]
    version = db.scalar(select(QuestionnaireVersion).join(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
    from survey.store.questionnaires import questionnaire_for_version

    model = questionnaire_for_version(version)
    _draft, handle = drafts.start_draft(db, version, "de")
    answers: dict = {}
    for code, page, free in PAGES:
        posted = {field: value if isinstance(value, list) else [value] for field, value in page.items()}
        result = read_page(model, model.section(code), {**posted, **{field: [payload] for field in free}}, answers)
        if result.errors:
            result = read_page(model, model.section(code), posted, answers)
        answers.update(result.answers)
        opened = drafts.find_draft(db, handle.token, retention_days=30)
        assert drafts.save_answers(db, opened, answers, code, "de")
    db.commit()
    assert drafts.find_draft(db, handle.token, retention_days=30).answers == answers
    response = drafts.submit_draft(db, drafts.find_draft(db, handle.token, retention_days=30), answers)
    assert response is not None
    db.commit()
    db.expire_all()
    assert db.scalars(select(Response)).one().answers == answers
