"""An app on a fresh SQLite database holding the bundled questionnaires, for the page-weight
benchmark and the real-browser tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from survey.app import create_app
from survey.store.migrate import upgrade_database
from survey.store.questionnaires import import_directory


def seeded_app(instance: Path, **settings: Any) -> Flask:
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{instance / 'survey.sqlite3'}", "SECRET_KEY": "seeded", **settings},
        instance_path=str(instance),
    )
    database = app.extensions["survey.db"]
    upgrade_database(database.engine)
    with database.session_factory() as session:
        import_directory(session, app.config["QUESTIONNAIRE_DIR"])
        session.commit()
    return app
