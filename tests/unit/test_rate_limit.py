"""Rate limits without IP addresses, in the database: the counter itself (also under concurrent
writers on SQLite and PostgreSQL), and what respondents and staff meet when a limit is reached."""
from __future__ import annotations

from survey.store import rate_limits


def test_keys_name_what_is_limited_and_fit_the_column():
    assert rate_limits.bucket_key("submit", "needs-assessment") == "submit:needs-assessment"
    assert rate_limits.bucket_key("login") == "login"
    long_key = rate_limits.bucket_key("submit", "x" * 300)
    assert len(long_key) <= 128 and long_key.startswith("submit:sha256:")
    assert long_key != rate_limits.bucket_key("submit", "x" * 299)
