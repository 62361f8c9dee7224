"""Accounts, roles and sessions of the staff workspace: every staff page proves who may see it."""
from __future__ import annotations

import pytest

from survey.store import accounts
from tests.staff_helpers import PASSWORD


def test_passwords_are_argon2id_hashes(db):
    user = accounts.create_user(db, "Hash@Musterstadt.example", PASSWORD, ["analyst"])
    assert user.email == "hash@musterstadt.example"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.create_user(db, "short@musterstadt.example", "short", ["analyst"])
    with pytest.raises(accounts.AccountError, match="Unknown role"):
        accounts.create_user(db, "x@musterstadt.example", PASSWORD, ["superuser"])
