"""No IP address, user agent or referrer in the database or in any log: in-process, on the
development server (survey run) and on gunicorn with the production configuration."""
from __future__ import annotations

import http.client
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.web.test_privacy_logs import CLIENT_ADDRESS, IDENTIFYING_HEADERS, OWN_REFERRER_PATH, SLUG, leaks, raw_request

pytestmark = pytest.mark.load


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
    from tests.web.test_respondent_flow import ABOUT

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
    for command in (["init"], ["load-sample"], ["import-bundled"]):  # the sample: districts and legal details
        subprocess.run([*survey, *command], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
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
