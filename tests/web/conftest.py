"""The web tests: one Flask app for the whole session (create_app costs a tenth of a second),
bound for each test to that test's transaction (tests/conftest.py), on SQLite.

Whatever a test changes on the app is put back after it: its settings, and the interface-text
overrides it wrote to the instance folder. A test that registers a route or needs a setting read
only when the app is created asks for ``fresh_app`` instead.
"""
from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from survey.app import create_app
from survey.store import legal_details
from survey.store.sample import sample_legal_details
from tests.conftest import Browser

# Every test's city has the invented legal details of the sample town, as `make run` has, so
# questionnaires can be published; tests of the empty state delete them (test_legal_details.py).
sample_details = functools.cache(sample_legal_details)


def _fill_legal_details(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        legal_details.save(session, sample_details())
        session.commit()


def _new_app(engine: Engine, instance: Path) -> Flask:
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SECRET_KEY": "test-secret",
        "EXPORT_DIR": str(instance / "exports"),
        "EXPORT_JOBS_IN": "thread",  # the database lives in the test's transaction
        # Off: a test's old rows stay until it deletes them; tests/web/test_housekeeping.py turns it on.
        "HOUSEKEEPING_INTERVAL": 0,
    }, instance_path=str(instance))
    app.extensions["survey.db"].engine.dispose()
    app.extensions["survey.db"].engine = engine
    return app


@pytest.fixture(scope="session")
def session_app(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return _new_app(engine, tmp_path_factory.mktemp("instance"))


@pytest.fixture()
def app(session_app: Flask, db_session_factory: sessionmaker[Session], tmp_path: Path) -> Iterator[Flask]:
    """The session's app, in this test's transaction, with its own export folder."""
    database = session_app.extensions["survey.db"]
    settings = dict(session_app.config)
    session_app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    database.session_factory = db_session_factory
    _fill_legal_details(db_session_factory)
    try:
        yield session_app
    finally:
        session_app.config.clear()
        session_app.config.update(settings)
        # Interface-text overrides (survey/store/ui_overrides.py); the next request notices the
        # folder is gone and reloads the bundled catalogues.
        shutil.rmtree(Path(session_app.instance_path) / "translations", ignore_errors=True)


@pytest.fixture()
def fresh_app(engine: Engine, db_session_factory: sessionmaker[Session], tmp_path: Path) -> Flask:
    """An app of this test's own: for registering routes, or for settings create_app reads."""
    app = _new_app(engine, tmp_path / "instance")
    app.extensions["survey.db"].session_factory = db_session_factory
    _fill_legal_details(db_session_factory)
    return app


@pytest.fixture()
def browser(app: Flask, bundled: None) -> Browser:
    return Browser(app.test_client())


@pytest.fixture()
def new_browser(app: Flask, bundled: None) -> Callable[[], Browser]:
    return lambda: Browser(app.test_client())




@pytest.fixture()
def office() -> str:
    """Debian's LibreOffice (soffice), which `make test` installs; without it the test is
    skipped, unless SURVEY_REQUIRE_OFFICE=1 (CI) makes that a failure."""
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("SURVEY_REQUIRE_OFFICE") == "1":
            pytest.fail("LibreOffice is not installed (make test installs it: apt-get install libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return soffice
