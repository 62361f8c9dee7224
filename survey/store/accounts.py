"""Staff accounts: Argon2id passwords, roles, lockout after repeated failures. No Flask here.

Lockout state lives in the database row, so it holds across workers and hosts. A login is read
(``login_check``), checked (``verify_password``, slow on purpose: outside any write transaction)
and counted (``record_login``); browsers that logged in before are counted apart.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.store.models import StaffUser, utcnow

# SURVEY_INSECURE_PASSWORD_HASHING=1: real argon2id at its cheapest parameters, for the test
# suite only (tests/conftest.py sets it, as central-backend's tests swap bcrypt with BCRYPT=no):
# hundreds of staff logins would otherwise cost a quarter of a second each. Never in production.
INSECURE_HASHING = os.environ.get("SURVEY_INSECURE_PASSWORD_HASHING") == "1"


def password_hasher(insecure: bool = False) -> PasswordHasher:
    """argon2id with argon2-cffi's recommended parameters; ``insecure``: its cheapest ones.
    A login rehashes a password whose hash was made with other parameters than these."""
    return PasswordHasher.from_parameters(profiles.CHEAPEST) if insecure else PasswordHasher()


_hasher = password_hasher(INSECURE_HASHING)
# Verifying against this keeps the time of a login for an unknown e-mail like that of a known one.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")


class Role(StrEnum):
    ADMIN = "admin"  # users, settings, audit log
    DESIGNER = "designer"  # questionnaires, translations, distribution, offers
    ANALYST = "analyst"  # results and exports
    COUNSELLOR = "counsellor"  # contact requests from respondents ("a counsellor may contact me")


class AccountError(ValueError):
    """A problem with what was entered, worded for the person entering it (CLI); ``reason``
    names it, so a web form can show its own translated message."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # email_invalid, email_taken, password_short, password_long, role_unknown, no_role


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    locked_until: dt.datetime | None = None
    # What happened since the owner's last login, told now (a successful login only).
    failed_since_login: int = 0
    locked_since_login: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


@dataclass(frozen=True)
class LoginCheck:
    """What a login needs to know before the password is checked (``login_check``)."""

    email: str
    password_hash: str | None  # None: no such active account (a dummy hash is checked instead)
    locked_until: dt.datetime | None  # locked for this kind of client (unknown or trusted)

def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", "password_short")
    if len(password) > 1024:
        raise AccountError("The password is too long (at most 1024 characters).", "password_long")


def generate_password() -> str:
    """A one-time password of about 100 bits, easy to type (no lookalike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def parse_roles(roles: list[str] | tuple[str, ...] | set[str]) -> str:
    chosen = []
    for role in roles:
        try:
            chosen.append(Role(role).value)
        except ValueError:
            raise AccountError(f"Unknown role '{role}'. Roles: {', '.join(r.value for r in Role)}.", "role_unknown") from None
    if not chosen:
        raise AccountError("Choose at least one role.", "no_role")
    return " ".join(sorted(set(chosen)))


def find_user(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))


def create_user(
    session: Session, email: str, password: str, roles: list[str] | tuple[str, ...], must_change_password: bool = False
) -> StaffUser:
    email = normalize_email(email)
    if not EMAIL_PATTERN.match(email):
        raise AccountError(f"'{email}' is not an e-mail address.", "email_invalid")
    if find_user(session, email) is not None:
        raise AccountError(f"A user with the e-mail address {email} exists already.", "email_taken")
    check_password_rules(password)
    user = StaffUser(
        email=email, password_hash=_hasher.hash(password), roles=parse_roles(roles), active=True,
        must_change_password=must_change_password, failed_logins=0, session_epoch=1,
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(StaffUser.id))) or 0


def login_check(session: Session, email: str, trusted: bool, now: dt.datetime | None = None) -> LoginCheck:
    """Read what a login attempt needs. ``trusted``: the browser logged in to this account
    before (a device cookie); its failures and lockout are counted apart from those of unknown
    browsers, so guessing from elsewhere cannot lock the owner out (OWASP's device cookies)."""
    now = now or utcnow()
    user = find_user(session, email)
    if user is None or not user.active:
        return LoginCheck(normalize_email(email), None, None)
    locked_until = _aware(user.trusted_locked_until if trusted else user.locked_until)
    return LoginCheck(user.email, user.password_hash, locked_until if locked_until and locked_until > now else None)


def verify_password(check: LoginCheck, password: str) -> bool:
    """The slow part of a login (Argon2, on purpose): run it outside any write transaction."""
    if check.password_hash is None or check.locked_until is not None:
        _verify(_DUMMY_HASH, password)  # the same time whether the account exists or is locked
        return False
    return _verify(check.password_hash, password)


def record_login(session: Session, check: LoginCheck, correct: bool, trusted: bool, password: str = "",
                 now: dt.datetime | None = None) -> LoginResult:
    """Count a checked login (flushes; the caller commits). After MAX_FAILED_LOGINS failures in
    a row the account locks for LOCKOUT for this kind of client, even for the right password."""
    now = now or utcnow()
    user = find_user(session, check.email) if check.password_hash is not None else None
    if user is None or not user.active:
        return LoginResult(None)
    if check.locked_until is not None:
        return LoginResult(None, check.locked_until)
    if not correct:
        if trusted:
            user.trusted_failed_logins += 1
            if user.trusted_failed_logins >= MAX_FAILED_LOGINS:
                user.trusted_locked_until, user.trusted_failed_logins = now + LOCKOUT, 0
        else:
            user.failed_logins += 1
            user.failed_since_login += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
                user.locked_since_login = True
        session.flush()
        locked = _aware(user.trusted_locked_until if trusted else user.locked_until)
        return LoginResult(None, locked if locked and locked > now else None)
    told = LoginResult(user, None, user.failed_since_login, user.locked_since_login)
    user.failed_logins = user.trusted_failed_logins = user.failed_since_login = 0
    user.locked_since_login = False
    if trusted:
        user.trusted_locked_until = None
    else:
        user.locked_until = None
    user.last_login_at = now
    if password and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.flush()
    return told


def authenticate(session: Session, email: str, password: str, now: dt.datetime | None = None,
                 trusted: bool = False) -> LoginResult:
    """``login_check``, ``verify_password`` and ``record_login`` in one go, for the command line
    and tests; the web login runs them apart, so no write transaction waits for Argon2."""
    check = login_check(session, email, trusted, now)
    return record_login(session, check, verify_password(check, password), trusted, password, now)


def hash_password(password: str) -> str:
    """Check the rules and hash (slow, on purpose): before any write transaction."""
    check_password_rules(password)
    return _hasher.hash(password)


def end_sessions(session: Session, user: StaffUser) -> None:
    """Every session of the user ends (logout, deactivation): a copied cookie is worth nothing."""
    user.session_epoch += 1
    session.flush()


def change_password(session: Session, user: StaffUser, new_password: str, password_hash: str | None = None) -> None:
    """Set a new password and end every existing session of the user (a new epoch).
    ``password_hash``: ``hash_password(new_password)`` done before the transaction."""
    user.password_hash = password_hash or hash_password(new_password)
    user.must_change_password = False
    end_sessions(session, user)


def reset_password(session: Session, user: StaffUser) -> str:
    """An admin's reset: a one-time password the user must change at the next login."""
    password = generate_password()
    change_password(session, user, password)
    user.must_change_password = True
    user.locked_until = None
    user.failed_logins = 0
    session.flush()
    return password


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite returns naive datetimes; they are stored in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
