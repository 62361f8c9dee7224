"""Fixtures shared by every kind of test.

The suite is laid out by what a test needs (README, "Tests"):

    tests/unit     no database, no app: domain functions
    tests/store    a database, no Flask: run on SQLite and again on PostgreSQL
                   (SURVEY_TEST_DATABASE_URL; tests/store/conftest.py)
    tests/web      one Flask app per session and its test client, SQLite (tests/web/conftest.py)
    tests/browser  Chromium through Playwright (tests/browser/conftest.py)
    tests/load     real HTTP against gunicorn subprocesses

Every database test runs in a transaction that is rolled back afterwards: its session joins it
with savepoints, so a commit inside the test ends a savepoint, not the transaction.
"""
from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Before survey is imported: argon2id at its cheapest parameters (survey/store/accounts.py).
# Production hashing costs a quarter of a second a password, and staff log in hundreds of times.
os.environ.setdefault("SURVEY_INSECURE_PASSWORD_HASHING", "1")

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from survey.questionnaire import LoadedQuestionnaire, load_questionnaire_file
from survey.questionnaire.districts import DistrictEntry, bind_districts
from survey.questionnaire.model import Questionnaire
from survey.store.db import make_engine
from survey.store.migrate import upgrade_database
from survey.store.models import Base
from survey.store.questionnaires import import_questionnaire
from survey.store.sample import load_sample_districts

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "questionnaires"
DATA = ROOT / "tests" / "data"
POSTGRES_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")

# What each folder's tests may not ask for: the folder says what a test needs.
FORBIDDEN_FIXTURES = {
    "unit": {"engine", "db", "db_session_factory", "bundled", "app", "fresh_app", "browser", "new_browser"},
    "store": {"app", "fresh_app", "browser", "new_browser"},
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    misplaced = []
    for item in items:
        folder = Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0]
        wrong = FORBIDDEN_FIXTURES.get(folder, set()) & set(getattr(item, "fixturenames", ()))
        if wrong:
            misplaced.append(f"{item.nodeid} uses {sorted(wrong)}: not a tests/{folder} test")
    if misplaced:
        raise pytest.UsageError("\n".join(misplaced))


@functools.cache
def bundled_questionnaires() -> tuple[LoadedQuestionnaire, ...]:
    """questionnaires/*.yaml, read and validated once per test process (the loaded questionnaires
    are immutable, so every test may share them)."""
    return tuple(load_questionnaire_file(path) for path in sorted(BUNDLED.glob("*.yaml")))


@functools.cache
def sample_district_entries() -> tuple[DistrictEntry, ...]:
    """The sample town's district list as a bound questionnaire offers it (no database)."""
    from survey.store.municipality import parse_districts
    from survey.store.sample import SAMPLE_DIR

    path = SAMPLE_DIR / "districts.csv"
    return tuple(district.entry() for district in parse_districts(path.read_bytes(), path.name))


def with_sample_districts(questionnaire: Questionnaire) -> Questionnaire:
    """A questionnaire that offers the city's list (the bundled one) as the store gives it when
    the sample town's districts are loaded: for tests without a database."""
    return bind_districts(questionnaire, sample_district_entries())


def _migrated(engine: Engine) -> Engine:
    upgrade_database(engine)
    return engine


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _migrated(make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.skip("SURVEY_TEST_DATABASE_URL not set")
    url = make_url(POSTGRES_URL)
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest-xdist
    if worker:  # each worker its own schema of the one test database
        with make_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS test_{worker}"))
        url = url.update_query_dict({"options": f"-csearch_path=test_{worker}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.begin() as connection:  # what an earlier run left behind
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield _migrated(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def engine(sqlite_engine: Engine) -> Engine:
    """SQLite; tests/store/conftest.py makes it SQLite and PostgreSQL for the store tests."""
    return sqlite_engine


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
def bundled(db_session_factory: sessionmaker[Session]) -> None:
    """The bundled questionnaires in the test's transaction (read once per session), with the
    sample town's districts that the needs assessment offers."""
    with db_session_factory() as session:
        load_sample_districts(session)
        for loaded in bundled_questionnaires():
            import_questionnaire(session, loaded)
        session.commit()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A respondent's browser: follows redirects, keeps cookies, sends the page's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.html = ""
        self.status = 0
        self.url = ""

    def _record(self, response: Any) -> Browser:
        self.html = response.get_data(as_text=True)
        self.status = response.status_code
        self.url = response.request.path
        return self

    def get(self, url: str, **kwargs: Any) -> Browser:
        return self._record(self.client.get(url, follow_redirects=True, **kwargs))

    def csrf(self) -> str:
        match = CSRF.search(self.html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(self, url: str | None = None, data: dict[str, Any] | None = None, **kwargs: Any) -> Browser:
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

