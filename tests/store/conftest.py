"""The store tests (a database, no Flask) run on SQLite and again on PostgreSQL: what the two
backends do differently (types, locking, constraints) lives in the store."""
from __future__ import annotations

import pytest
from sqlalchemy import Engine

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")
