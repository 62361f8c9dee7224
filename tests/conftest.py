"""Fixtures: one database per backend (SQLite always; PostgreSQL when SURVEY_TEST_DATABASE_URL is
set), migrated once, and a session per test bound to an outer transaction that is rolled back."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from survey.app import create_app
from survey.store.db import make_engine
from survey.store.migrate import upgrade_database
from survey.store.models import Base
from survey.questionnaire import load_questionnaire_file
from survey.store.questionnaires import import_questionnaire

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "questionnaires"
POSTGRES_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason="SURVEY_TEST_DATABASE_URL not set")),
]


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        engine = make_engine(url)
    else:
        engine = make_engine(POSTGRES_URL or "")
        _reset_postgres(engine)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def db_session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield factory
    outer.rollback()
    connection.close()


@pytest.fixture()
def db(db_session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with db_session_factory() as session:
        yield session


@pytest.fixture()
def app(engine: Engine, db_session_factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("SURVEY_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SECRET_KEY": "test-secret",
        "EXPORT_DIR": str(tmp_path / "exports"),
        "EXPORT_JOBS_IN": "thread",  # the database lives in the test's transaction
    })
    app.extensions["survey.db"].engine.dispose()
    app.extensions["survey.db"].engine = engine
    app.extensions["survey.db"].session_factory = db_session_factory
    return app


@pytest.fixture()
def bundled(db_session_factory: sessionmaker[Session]) -> None:
    """Import the bundled questionnaires into the test transaction."""
    with db_session_factory() as session:
        for path in sorted(BUNDLED.glob("*.yaml")):
            import_questionnaire(session, load_questionnaire_file(path))
        session.commit()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A respondent's browser: follows redirects, keeps cookies, sends the page's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.html = ""
        self.status = 0
        self.url = ""

    def _record(self, response: Any) -> "Browser":
        self.html = response.get_data(as_text=True)
        self.status = response.status_code
        self.url = response.request.path
        return self

    def get(self, url: str, **kwargs: Any) -> "Browser":
        return self._record(self.client.get(url, follow_redirects=True, **kwargs))

    def csrf(self) -> str:
        match = CSRF.search(self.html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(self, url: str | None = None, data: dict[str, Any] | None = None, **kwargs: Any) -> "Browser":
        """Post to ``url`` (default: the current page) with the page's CSRF token."""
        payload = {"csrf_token": self.csrf(), **(data or {})}
        if "_shown" not in payload:
            shown = re.search(r'name="_shown" value="([^"]*)"', self.html)
            if shown:
                payload["_shown"] = shown.group(1)
        return self._record(self.client.post(url or self.url, data=payload, follow_redirects=True, **kwargs))

    def resume_code(self) -> str:
        match = re.search(r'class="code" dir="ltr">([A-Z0-9-]+)<', self.html)
        assert match, "no resume code on the page"
        return match.group(1)


@pytest.fixture()
def browser(app: Flask, bundled: None) -> Browser:
    return Browser(app.test_client())


@pytest.fixture()
def new_browser(app: Flask, bundled: None) -> Any:
    return lambda: Browser(app.test_client())
