"""Staff passwords: argon2id at argon2-cffi's recommended cost in production, and at its cheapest
only when SURVEY_INSECURE_PASSWORD_HASHING=1 (tests/conftest.py sets it for the suite)."""
from argon2 import PasswordHasher, profiles

from survey.store import accounts

PASSWORD = "correct horse battery"


def parameters(hasher: PasswordHasher) -> tuple:
    return (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len)


def test_production_hashing_keeps_the_recommended_parameters_and_replaces_cheap_hashes():
    production, cheap = accounts.password_hasher(), accounts.password_hasher(insecure=True)
    assert parameters(production) == parameters(PasswordHasher())
    assert production.memory_cost >= 64 * 1024 and production.time_cost >= 3  # RFC 9106, low memory
    assert parameters(cheap) == parameters(PasswordHasher.from_parameters(profiles.CHEAPEST))
    hashed = cheap.hash(PASSWORD)
    assert hashed.startswith("$argon2id$") and production.verify(hashed, PASSWORD)
    assert production.check_needs_rehash(hashed)  # a production login stores a full-cost hash instead


def test_the_suite_hashes_cheaply():
    assert accounts.INSECURE_HASHING
    assert parameters(accounts._hasher) == parameters(accounts.password_hasher(insecure=True))
