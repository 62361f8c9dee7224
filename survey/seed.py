"""An app on a fresh SQLite database holding the bundled questionnaires, the sample town's
districts and invented legal details, for the page-weight benchmark and the real-browser tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from survey.app import create_app
from survey.store import legal_details
from survey.store.migrate import upgrade_database
from survey.store.questionnaires import import_directory
from survey.store.sample import load_sample_districts, sample_legal_details


def seeded_app(instance: Path, **settings: Any) -> Flask:
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{instance / 'survey.sqlite3'}", "SECRET_KEY": "seeded", **settings},
        instance_path=str(instance),
    )
    database = app.extensions["survey.db"]
    upgrade_database(database.engine)
    with database.session_factory() as session:
        legal_details.save(session, sample_legal_details())
        load_sample_districts(session)  # the bundled questionnaire offers the city's district list
        import_directory(session, app.config["QUESTIONNAIRE_DIR"])
        session.commit()
    return app
