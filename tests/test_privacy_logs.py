"""No IP address, user agent or referrer in the database or in any log: in-process, on the
development server (survey run) and on gunicorn with the production configuration."""
from __future__ import annotations

import http.client
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from survey.web.gunicorn_logging import redact
from survey.store.models import Base, Response
from tests.test_rate_limit import complete_everything

ROOT = Path(__file__).resolve().parent.parent
SLUG = "needs-assessment"
CLIENT_ADDRESS = "127.0.0.9"  # the test clients connect from here; the servers listen elsewhere
FORWARDED_ADDRESS = "198.51.100.23"
USER_AGENT = "PrivacyProbe/1.0 (UA-MARKER)"
REFERRER = "https://referrer-marker.example/flyer?from=shelter"  # a link from another site (GET)
# A post's Referer is the page of this site it was sent from (one from another site is refused:
# tests/test_same_origin.py); it carries the marker in its query.
OWN_REFERRER_PATH = "/s/needs-assessment/?from=referrer-marker"
MARKERS = (CLIENT_ADDRESS, "198.51.100.", "PrivacyProbe", "UA-MARKER", "referrer-marker")
IDENTIFYING_HEADERS = {
    "User-Agent": USER_AGENT,
    "Referer": REFERRER,
    "X-Forwarded-For": f"{FORWARDED_ADDRESS}, 198.51.100.24",
    "X-Real-IP": "198.51.100.25",
    "Forwarded": "for=198.51.100.26;proto=https",
}


def leaks(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


# --- in process: database and application logs -----------------------------------------------


def test_submissions_leave_no_address_agent_or_referrer_in_any_table_or_log(app, new_browser, db, caplog):
    app.config["PROXY_COUNT"] = 1  # trusting a proxy's X-Forwarded-Proto must not mean its X-Forwarded-For
    caplog.set_level(logging.DEBUG)
    for lang in ("de", "ar", "uk"):
        browser = new_browser()
        browser.client.environ_base.update({"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_USER_AGENT": USER_AGENT,
                                            "HTTP_REFERER": "http://localhost" + OWN_REFERRER_PATH, "HTTP_X_FORWARDED_FOR": FORWARDED_ADDRESS,
                                            "HTTP_X_REAL_IP": "198.51.100.25", "HTTP_FORWARDED": "for=198.51.100.26"})
        complete_everything(browser, lang)
        browser.post(f"/s/{SLUG}/{lang}/submit")
        assert browser.url == f"/s/{SLUG}/{lang}/thanks"
    assert len(db.scalars(select(Response)).all()) == 3
    dump = repr([db.execute(select(table)).all() for table in Base.metadata.sorted_tables])
    assert "mitte" in dump  # the answers are in the dump, so the dump is real
    assert leaks(dump) == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert leaks(logged) == []


# --- the development server (survey run) ------------------------------------------------------


def raw_request(host: str, port: int, data: bytes) -> bytes:
    with socket.create_connection((host, port), timeout=10, source_address=(CLIENT_ADDRESS, 0)) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_development_servers_request_log_has_no_client_address(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.socket.getsockname()[1]
        headers = "".join(f"{name}: {value}\r\n" for name, value in IDENTIFYING_HEADERS.items())
        for path in ("/staff/login", "/no-such-page"):
            answer = raw_request("127.0.0.1", port, f"GET {path} HTTP/1.0\r\nHost: x\r\n{headers}\r\n".encode())
            assert answer.startswith(b"HTTP/1.")
        raw_request("127.0.0.1", port, b"NONSENSE\r\n\r\n")  # Werkzeug logs an error line for it
    finally:
        server.shutdown()
        thread.join(5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    text = "\n".join(lines)
    assert "GET /staff/login" in text and "GET /no-such-page" in text  # the log is there ...
    assert any("400" in line or "Bad request" in line for line in lines)
    assert leaks(text) == []  # ... without the address, agent or referrer
    assert all(line.startswith("- - - [") for line in lines if "GET /" in line)


# --- gunicorn with gunicorn.conf.py -----------------------------------------------------------


def load_gunicorn_config(env: dict[str, str]):
    from gunicorn.config import Config

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        namespace: dict = {"__file__": str(ROOT / "gunicorn.conf.py")}
        exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    config = Config()
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_the_gunicorn_configuration_logs_nothing_identifying():
    config = load_gunicorn_config({})
    log_format = config.access_log_format
    for field in ("%(h)s", "%(a)s", "%(f)s", "%(r)s", "%(q)s", "%(u)s", "}i"):
        assert field not in log_format
    assert "%(U)s" in log_format and "%(s)s" in log_format
    assert config.logger_class.__name__ == "PrivacyLogger"
    assert config.forwarded_allow_ips == []  # the app decides, with SURVEY_PROXY_COUNT
    assert config.worker_class_str == "gevent"
    assert config.address == [("127.0.0.1", 8000)]
    assert 1 <= config.workers <= 8 and config.threads >= 1
    assert config.graceful_timeout >= 10 and config.timeout >= 10
    assert config.wsgi_app == "survey.wsgi:app"


def test_gunicorn_settings_come_from_the_environment():
    config = load_gunicorn_config({"SURVEY_BIND": "0.0.0.0:9000", "SURVEY_WORKERS": "3", "SURVEY_THREADS": "6",
                                   "SURVEY_TIMEOUT": "45"})
    assert config.address == [("0.0.0.0", 9000)]
    assert (config.workers, config.threads, config.timeout) == (3, 6, 45)


def test_gunicorns_own_error_messages_lose_the_address():
    assert redact("Invalid request from ip=203.0.113.9: Invalid HTTP request line") == \
        "Invalid request from ip=[not logged]: Invalid HTTP request line"
    assert redact("Invalid request from ip=2001:db8::1: bad") == "Invalid request from ip=[not logged]: bad"
    assert redact(42) == 42  # not a message text: left alone


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HttpBrowser:
    """A respondent's phone over real HTTP: cookies, CSRF tokens, redirects, identifying headers."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.html = ""
        self.path = ""
        self.status = 0

    def request(self, method: str, path: str, body: str | None = None) -> None:
        for _ in range(10):
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20, source_address=(CLIENT_ADDRESS, 0))
            headers = dict(IDENTIFYING_HEADERS)
            if method == "POST":
                headers["Referer"] = f"http://127.0.0.1:{self.port}{OWN_REFERRER_PATH}"
            if self.cookie:
                headers["Cookie"] = self.cookie
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read().decode("utf-8")
            cookie = response.getheader("Set-Cookie")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
            connection.close()
            self.status, self.path, self.html = response.status, path, data
            if response.status not in (301, 302, 303):
                return
            method, path, body = "GET", response.getheader("Location"), None
        raise AssertionError("too many redirects")

    def post(self, path: str | None = None, data: dict | None = None) -> None:
        from urllib.parse import urlencode

        fields = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', self.html).group(1)}
        shown = re.search(r'name="_shown" value="([^"]*)"', self.html)
        if shown:
            fields["_shown"] = shown.group(1)
        fields.update(data or {})
        self.request("POST", path or self.path, urlencode(fields, doseq=True))


def complete_over_http(browser: HttpBrowser, lang: str) -> None:
    from tests.test_respondent_flow import ABOUT

    browser.request("GET", f"/s/{SLUG}/?lang={lang}")
    browser.post(f"/s/{SLUG}/{lang}/start")
    pages = [{**ABOUT, "household_children": "no", "arrival_year": "2020"},
             {"help_areas": ["none"], "knows_where": "yes_used"}, {"german_level": "4"}, {},
             {"work_status": "employed", "work_help": ["none"]}, {"housing_help": ["none"]}, {},
             {"legal_help": ["none"]}, {}, {"advice_language": ["de"], "advice_channel": ["phone"]}]
    for data in pages:
        before = browser.path
        for _ in range(3):  # follow-up questions appear on the same page: send it again
            browser.post(data={"action": "next", **data})
            if browser.path != before:
                break
    assert browser.path == f"/s/{SLUG}/{lang}/review", browser.path
    browser.post(f"/s/{SLUG}/{lang}/submit")
    assert browser.path == f"/s/{SLUG}/{lang}/thanks" and browser.status == 200


@pytest.fixture()
def gunicorn_server(tmp_path):
    """gunicorn with gunicorn.conf.py on a fresh SQLite database with the bundled questionnaires."""
    port = free_port()
    env = {**os.environ, "SURVEY_INSTANCE_PATH": str(tmp_path / "instance"),
           "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'survey.sqlite3'}", "SURVEY_BIND": f"127.0.0.1:{port}", "SURVEY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "SURVEY_WORKERS": "1", "SURVEY_THREADS": "2", "SURVEY_PROXY_COUNT": "1", "SURVEY_LOG_LEVEL": "debug"}
    env.pop("SURVEY_TEST_DATABASE_URL", None)
    survey = [sys.executable, "-m", "survey.cli"] if not (ROOT / ".venv/bin/survey").exists() else [str(ROOT / ".venv/bin/survey")]
    for command in ("init", "import-bundled"):
        subprocess.run([*survey, command], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], env=env, cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield port, process, log_path, tmp_path / "survey.sqlite3"
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_after_submissions_through_gunicorn_neither_database_nor_logs_hold_identifying_data(gunicorn_server):
    port, process, log_path, database_path = gunicorn_server
    for lang in ("de", "ar"):
        complete_over_http(HttpBrowser(port), lang)
    answer = raw_request("127.0.0.1", port, b"NONSENSE / HTTP/9.9\r\n\r\n")  # gunicorn logs these
    assert b"400" in answer.split(b"\r\n", 1)[0]
    process.terminate()
    process.wait(30)
    log = log_path.read_text(encoding="utf-8")
    assert log.count(f'"POST /s/{SLUG}/de/submit HTTP/1.1" 302') == 1  # the access log is on
    assert "Invalid request from ip=[not logged]" in log
    assert leaks(log) == [], log[-3000:]
    with sqlite3.connect(database_path) as connection:
        dump = "\n".join(connection.iterdump())
        assert connection.execute("SELECT count(*) FROM response").fetchone()[0] == 2
    assert "mitte" in dump and leaks(dump) == []
