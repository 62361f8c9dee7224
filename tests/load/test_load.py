"""Load and faults, over real HTTP against gunicorn (gunicorn.conf.py) on 127.0.0.1.

Simulated respondents walk the needs questionnaire page by page (start, every section with its
CSRF token and cookie, review, submit), concurrently, on SQLite and, when
SURVEY_TEST_DATABASE_URL names PostgreSQL, on a fresh temporary PostgreSQL database.

- every acknowledged submission is stored exactly once, no 5xx;
- SIGKILL of master and workers in the middle of the load, restart: every acknowledged response
  is there, and the others resume (by cookie or by resume code) and finish;
- double click, back-button resubmission and replay of an old form store one response;
- a locked or unreachable database gives the friendly page, and sending again stores the page;
- afterwards neither the database nor gunicorn's log holds the client's address, user agent or
  referrer.

CI runs a reduced load (40 respondents); the full run is
``SURVEY_FULL_LOAD=1 .venv/bin/python -m pytest -m load tests/test_load.py`` (200 respondents).
Every wait is bounded, so a hang fails the test instead of blocking CI. Figures are printed and
written to test-artifacts/load-<backend>.json (docs/reliability.md quotes them).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Engine

from survey.store.models import Draft, Response
from tests.load.load_client import (
    NEEDS_PAGES,
    REQUEST_TIMEOUT,
    ROOT,
    Respondent,
    Server,
    ServerError,
    sqlite_url,
    temporary_postgres,
)

pytestmark = pytest.mark.load


FULL = os.environ.get("SURVEY_FULL_LOAD") == "1"


RESPONDENTS = 200 if FULL else 40


RUN_TIMEOUT = 900 if FULL else 300  # seconds for one whole load phase


POSTGRES_URL = os.environ.get("SURVEY_TEST_DATABASE_URL", "")


# The clients connect from this loopback address (the server listens on 127.0.0.1), so finding
# it anywhere afterwards can only mean a client address was recorded.
CLIENT_ADDRESS = "127.0.0.23"


USER_AGENT = "LoadPhone/1.0 (KIM-UA-MARKER)"


REFERRER = "https://referrer-marker.example/flyer?from=shelter"  # a link from another site (GET)


# A post's Referer is a page of this site (one from another site is refused: test_same_origin.py).
OWN_REFERRER_PATH = "/s/needs-assessment/?from=referrer-marker"


ARTIFACTS = ROOT / "test-artifacts"


BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not POSTGRES_URL.startswith("postgresql"), reason="SURVEY_TEST_DATABASE_URL does not name PostgreSQL")),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with temporary_postgres(POSTGRES_URL) as url:
            yield url


@pytest.fixture()
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    # The shipped worker count (one gevent worker per core): more processes than cores only take
    # turns at the cores, and a descheduled one holding SQLite's write lock makes the others wait.
    server = Server(database_url, tmp_path / "server", workers=None, threads=None)
    server.prepare()
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture()
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url, pool_pre_ping=True)
    yield engine
    engine.dispose()


class Phone(Respondent):
    """A respondent whose requests come from CLIENT_ADDRESS with a user agent and a referrer."""

    def _connection(self) -> Any:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT,
                                                         source_address=(CLIENT_ADDRESS, 0))
        return self.connection

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Any:
        referrer = f"http://127.0.0.1:{self.port}{OWN_REFERRER_PATH}" if method == "POST" else REFERRER
        return super()._send(method, path, body, {**headers, "User-Agent": USER_AGENT, "Referer": referrer})


def run_all(count: int, work: Callable[[int], Any], timeout: float = RUN_TIMEOUT) -> list[Any]:
    """Run ``work(i)`` for i in range(count) on ``count`` threads at once; exceptions are
    returned in place of results. Fails when the whole run takes longer than ``timeout``."""
    pool = ThreadPoolExecutor(max_workers=count)
    try:
        futures = [pool.submit(work, i) for i in range(count)]
        _done, pending = wait(futures, timeout=timeout)
        assert not pending, f"{len(pending)} respondents still running after {timeout} s"
        return [future.exception() or future.result() for future in futures]
    finally:
        # Never wait for a hung thread here: the server fixture's kill ends its connection.
        pool.shutdown(wait=False, cancel_futures=True)


def responses_by_marker(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        counts: dict[str, int] = {}
        for (answers,) in connection.execute(select(Response.answers)):
            marker = (answers or {}).get("comments", "")
            counts[marker] = counts.get(marker, 0) + 1
        return counts


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(model.id)).all())


def all_stored_text(engine: Engine) -> str:
    """Every value of every row of every table, as text."""
    parts = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts)


def write_figures(backend: str, name: str, figures: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"load-{backend}.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing[name] = {**figures, "respondents": RESPONDENTS, "full": FULL}
    path.write_text(json.dumps(existing, indent=2, sort_keys=True))
    print(f"\n[load {backend}] {name}: {json.dumps(figures, sort_keys=True)}")


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


# --- 1. many respondents at once -----------------------------------------------------------------


def test_concurrent_respondents_are_each_stored_exactly_once(server, engine, database_url):
    run = f"run-{random.randrange(10**6)}"
    started = time.monotonic()

    def respondent(number: int) -> tuple[bool, int, list[int]]:
        phone = Phone(server.port, lang=random.choice(["en", "ar", "uk", "de"]))
        try:
            return phone.complete(f"{run}-{number}"), phone.requests, phone.statuses
        finally:
            phone.close()

    results = run_all(RESPONDENTS, respondent)
    elapsed = time.monotonic() - started
    failures = [result for result in results if isinstance(result, BaseException)]
    assert not failures, f"{len(failures)} respondents failed, first: {failures[0]!r}"
    assert all(acknowledged for acknowledged, _requests, _statuses in results)
    statuses = [status for _ack, _requests, codes in results for status in codes]
    assert not [status for status in statuses if status >= 500]

    stored = responses_by_marker(engine)
    assert {marker: n for marker, n in stored.items() if n != 1} == {}, "a response stored twice"
    assert sorted(stored) == sorted(f"{run}-{number}" for number in range(RESPONDENTS))
    assert count(engine, Draft) == 0, "every draft became its response"

    # Privacy: neither the database nor the server's log holds the client's address, user agent
    # or referrer, after thousands of requests that carried all three.
    stored_text = all_stored_text(engine)
    log = server.log()
    assert "GET /s/" in log and "POST /s/" in log, "the access log is written"
    for secret in (CLIENT_ADDRESS, USER_AGENT, "KIM-UA-MARKER", "referrer-marker"):
        assert secret not in stored_text, f"{secret} stored in the database"
        assert secret not in log, f"{secret} in gunicorn's log"
    write_figures(backend_of(database_url), "concurrent", {
        "seconds": round(elapsed, 1), "requests": sum(r[1] for r in results), "acknowledged": RESPONDENTS,
        "stored": sum(stored.values()), "status_5xx": 0,
        "requests_per_second": round(sum(r[1] for r in results) / elapsed, 1),
    })


# --- 2. SIGKILL in the middle of the load ----------------------------------------------------------


def test_sigkill_mid_load_loses_no_acknowledged_response_and_drafts_resume(server, engine, database_url):
    run = f"kill-{random.randrange(10**6)}"
    acknowledged: set[int] = set()
    phones: dict[int, Phone] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def respondent(number: int) -> str:
        phone = Phone(server.port, lang=random.choice(["en", "ar", "fa"]))
        phones[number] = phone
        time.sleep(random.random() * 2)  # arrivals spread over two seconds
        try:
            phone.begin()
            for code, answers in NEEDS_PAGES:
                time.sleep(random.random() * 0.05)  # reading time
                if code == "preferences":
                    answers = {**answers, "comments": f"{run}-{number}"}
                phone.answer_page(code, answers)
            if phone.submit():
                with lock:
                    acknowledged.add(number)
                    if len(acknowledged) >= RESPONDENTS // 4:
                        enough.set()
                return "acknowledged"
            return "not acknowledged"
        except (OSError, http.client.HTTPException, AssertionError) as error:  # the server died under it
            if isinstance(error, ServerError):
                raise
            return "interrupted"
        finally:
            phone.close()

    pool = ThreadPoolExecutor(max_workers=RESPONDENTS)
    try:
        futures = [pool.submit(respondent, number) for number in range(RESPONDENTS)]
        assert enough.wait(timeout=RUN_TIMEOUT), "a quarter of the respondents never finished"
        server.kill()  # SIGKILL to master and workers, mid-load
        _done, pending = wait(futures, timeout=120)
        assert not pending
        outcomes = [future.result() for future in futures]  # a 5xx before the kill would raise here
    finally:
        server.kill()
        pool.shutdown(wait=False, cancel_futures=True)
    before_restart = set(acknowledged)
    assert before_restart and len(before_restart) < RESPONDENTS, "the kill did not land mid-load"

    restarting = time.monotonic()
    server.start()
    restarted_in = time.monotonic() - restarting  # until the first page is served again
    stored = responses_by_marker(engine)
    lost = [number for number in before_restart if stored.get(f"{run}-{number}") != 1]
    assert not lost, f"acknowledged but not stored exactly once: {lost}"

    # The others come back: half on the same phone (cookie), half on another with the code.
    # Each continues where its draft says and finishes; answers of earlier pages are kept.
    unfinished = [number for number in range(RESPONDENTS) if number not in before_restart]
    resumed = {"cookie": 0, "code": 0, "fresh": 0, "already_stored": 0}

    def come_back(index: int) -> str:
        number = unfinished[index]
        old = phones[number]
        marker = f"{run}-{number}"
        if stored.get(marker) == 1:
            # Submitted just before the kill: stored, but the thank-you page never arrived.
            # Sending the form again (the browser's "resend") ends on the thank-you page; the
            # code opens nothing any more.
            if old.resume_code and index % 2:
                phone = Phone(server.port, lang=old.lang)
                phone.get(f"{phone.base()}/resume")
                phone.post(f"{phone.base()}/resume", {"code": old.resume_code})
                assert phone.page.status == 422, phone.page.path
            else:
                phone = old
                phone.get(f"{phone.base()}/resume")
                phone.post(f"{phone.base()}/submit", {})
                assert phone.page.path.endswith("/thanks"), phone.page.path
            phone.close()
            return "already_stored"
        if old.resume_code is None:
            phone = Phone(server.port, lang=old.lang)  # never saw its first page: starts afresh
            phone.begin()
            way = "fresh"
        elif index % 2 == 0:
            phone = old  # the same phone: its cookie still opens the draft
            phone.get(f"{phone.base()}/")
            link = re.search(r'<a class="button primary" href="([^"]+)"', phone.page.body)
            assert link, f"{marker}: no 'continue where you left off' on {phone.page.path}"
            phone.get(link.group(1))
            way = "cookie"
        else:
            phone = Phone(server.port, lang=old.lang)  # another phone, with the code
            phone.get(f"{phone.base()}/resume")
            phone.post(f"{phone.base()}/resume", {"code": old.resume_code})
            way = "code"
        try:
            remaining = [code for code, _answers in NEEDS_PAGES]
            position = phone.page.path.rsplit("/", 1)[-1]
            if position != "review":
                assert position in remaining, phone.page.path
                for code, answers in NEEDS_PAGES[remaining.index(position):]:
                    if code == "preferences":
                        answers = {**answers, "comments": marker}
                    phone.answer_page(code, answers)
            assert phone.submit(), f"{marker}: not acknowledged after resuming ({phone.page.path})"
            return way
        finally:
            phone.close()

    outcomes_after = run_all(len(unfinished), come_back)
    failures = [outcome for outcome in outcomes_after if isinstance(outcome, BaseException)]
    assert not failures, f"{len(failures)} could not resume, first: {failures[0]!r}"
    for outcome in outcomes_after:
        resumed[outcome] += 1

    final = responses_by_marker(engine)
    markers = [f"{run}-{number}" for number in range(RESPONDENTS)]
    assert {marker: final.get(marker, 0) for marker in markers if final.get(marker) != 1} == {}
    with engine.connect() as connection:
        districts = {answers.get("district") for (answers,) in connection.execute(select(Response.answers))}
    assert districts == {"mitte"}, "answers of the pages before the kill are in every response"
    write_figures(backend_of(database_url), "sigkill", {
        "acknowledged_before_kill": len(before_restart), "interrupted": outcomes.count("interrupted"),
        "restart_seconds": round(restarted_in, 1), "lost": 0, "duplicates": 0, **{f"resumed_{k}": v for k, v in resumed.items()},
        "stored_in_the_end": sum(final.get(marker, 0) for marker in markers),
    })


# --- 3. double click, back button, replay ----------------------------------------------------------


def _at_review(port: int, marker: str) -> Phone:
    phone = Phone(port)
    phone.begin()
    phone.answer_pages(marker)
    assert phone.page.path.endswith("/review")
    return phone


def test_double_click_back_button_and_replay_store_one_response(server, engine, database_url):
    run = f"twice-{random.randrange(10**6)}"
    rounds = 10
    # Double click: the same final form sent twice at the same moment, on two connections.
    for round_number in range(rounds):
        phone = _at_review(server.port, f"{run}-{round_number}")
        barrier = threading.Barrier(2)

        def click(_index: int, phone: Phone = phone, barrier: threading.Barrier = barrier) -> int:
            twin = Phone(server.port)
            twin.cookies = dict(phone.cookies)
            twin.page = phone.page
            barrier.wait(timeout=30)
            try:
                twin.post(f"{twin.base()}/submit", {})
                return twin.page.status if twin.page.path.endswith("/thanks") else -twin.page.status
            finally:
                twin.close()

        statuses = run_all(2, click, timeout=60)
        assert statuses == [200, 200], statuses  # both clicks end on the thank-you page
        phone.close()
    stored = responses_by_marker(engine)
    assert [stored.get(f"{run}-{n}") for n in range(rounds)] == [1] * rounds

    # Back button: the review page from the browser's history, sent again after the thank-you.
    phone = _at_review(server.port, f"{run}-back")
    review = phone.page
    cookie_before = dict(phone.cookies)
    assert phone.submit()
    phone.page = review
    phone.post(f"{phone.base()}/submit", {})
    assert phone.page.path.endswith("/thanks")
    # Replay: an old copy of the form with the old cookie (say, from a proxy log or another tab).
    replay = Phone(server.port)
    replay.cookies, replay.page = cookie_before, review
    replay.post(f"{replay.base()}/submit", {})
    assert replay.page.path.endswith("/thanks")
    replay.page = review
    replay.post(f"{replay.base()}/p/preferences", {"action": "next", **NEEDS_PAGES[-1][1], "comments": "replayed"})
    assert replay.page.status == 200 and not replay.page.path.endswith("/review")
    for client in (phone, replay):
        client.close()
    stored = responses_by_marker(engine)
    assert stored.get(f"{run}-back") == 1 and "replayed" not in stored
    assert count(engine, Response) == rounds + 1
    write_figures(backend_of(database_url), "double_submit", {
        "double_clicks": rounds, "back_button": 1, "replays": 2, "responses": rounds + 1})


# --- 4. the database locked or unreachable ---------------------------------------------------------


def test_database_unavailable_gives_the_friendly_page_and_the_page_can_be_sent_again(server, engine, database_url):
    phone = Phone(server.port, lang="ar")
    phone.begin()
    phone.answer_page(*NEEDS_PAGES[0])
    needs_page = phone.page
    with _database_unavailable(engine, database_url):
        phone.post(needs_page.path, {"action": "next", **NEEDS_PAGES[1][1]}, allow_5xx=True)
        assert phone.page.status == 503, (phone.page.status, phone.page.body[:300])
        assert 'lang="ar" dir="rtl"' in phone.page.body and "Traceback" not in phone.page.body
        assert phone.page.headers.get("retry-after")
    page_kept = 'name="csrf_token"' in phone.page.body
    # A locked SQLite still lets the page be read; an unreachable PostgreSQL gives the plain page.
    assert page_kept or backend_of(database_url) == "postgresql"
    if page_kept:
        # The page came back with what was chosen on it: sending it again is one tap.
        assert 'value="no" checked' in phone.page.body and 'value="housing" checked' in phone.page.body
    else:
        phone.page = needs_page  # the browser's back button: the page as it was
    phone.answer_page(*NEEDS_PAGES[1])
    assert phone.page.path.endswith("/p/language")
    with engine.connect() as connection:
        answers = connection.execute(select(Draft.answers)).scalar_one()
    assert answers["district"] == "mitte" and answers["knows_where"] == "no"
    phone.close()
    write_figures(backend_of(database_url), "database_unavailable", {
        "status": 503, "page_shown_again_with_its_answers": page_kept, "saved_after_retry": True})


class _database_unavailable:
    """SQLite: another process holds the write lock longer than the busy timeout.
    PostgreSQL: connections to the database are refused and the open ones terminated."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine, self.url = engine, url
        self.connection: Any = None

    def _admin(self, statement: str) -> None:
        import psycopg

        admin = self.engine.url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
            connection.execute(statement)

    def __enter__(self) -> None:
        if self.url.startswith("sqlite"):
            import sqlite3

            self.connection = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            self.connection.execute("BEGIN EXCLUSIVE")
        else:
            name = self.engine.url.database
            self._admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            self._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")

    def __exit__(self, *exc: Any) -> None:
        if self.url.startswith("sqlite"):
            self.connection.execute("ROLLBACK")
            self.connection.close()
        else:
            self._admin(f'ALTER DATABASE "{self.engine.url.database}" ALLOW_CONNECTIONS true')
