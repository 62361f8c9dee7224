"""Floods that block nobody (issue 16), against the production shape: nginx with deploy/nginx.conf
terminating TLS in front of gunicorn, each client at an address of its own (127.0.0.x).

Before: the limits were global, so one client sending starts and first answers as fast as it
could used up the minute for every respondent, and one client guessing passwords gave the real
analysts 429 for as long as it ran. Now each client has a limit of its own (counted by a token
that changes every minute, never by its address), far below the global ceiling; pressing
"Start" stores nothing at all.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.nginx_proxy import SERVER_NAME, LoopbackHTTPS, NginxProxy, analyst_account, production, require_production_shape
from tests.load.load_client import Respondent, Server

pytestmark = pytest.mark.load

ANALYST, PASSWORD = "analyse@musterstadt.example", "ein langes Test-Passwort 7"
LIMITS = {  # per minute
    "SURVEY_RATE_LIMIT_SUBMISSIONS": "40", "SURVEY_RATE_LIMIT_CLIENT_SUBMISSIONS": "5",
    "SURVEY_RATE_LIMIT_LOGINS": "30", "SURVEY_RATE_LIMIT_CLIENT_LOGINS": "5",
}
FIRST_ANSWERS = {"district": "mitte", "age_band": "28_44", "housing_type": "own_flat", "household_children": "no",
                 "arrival_year": "2020"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, NginxProxy]]:
    require_production_shape()

    with production(tmp_path_factory.mktemp("floods"), LIMITS, before_start=analyst_account(ANALYST, PASSWORD)) as shape:
        yield shape


def client(proxy: NginxProxy, address: str) -> Respondent:
    return Respondent(proxy.https_port, "de", connect=lambda: LoopbackHTTPS(SERVER_NAME, proxy.https_port, source=address))


def first_save(proxy: NginxProxy, address: str) -> int:
    """A new respondent at ``address`` starts and sends the first page: the status of that post."""
    phone = client(proxy, address)
    try:
        phone.begin()
        return phone.post(f"{phone.base()}/p/about", {"action": "next", **FIRST_ANSWERS}, follow=False).status
    finally:
        phone.close()


def drafts(server: Server) -> int:
    with sqlite3.connect(Path(server.database_url.removeprefix("sqlite:///"))) as connection:
        return int(connection.execute("SELECT count(*) FROM draft").fetchone()[0])


def login(proxy: NginxProxy, address: str, email: str, password: str) -> int:
    browser = client(proxy, address)
    try:
        browser.get("/staff/login")
        return browser.post("/staff/login", {"email": email, "password": password}, follow=False).status
    finally:
        browser.close()


def test_starts_store_nothing_and_a_flooding_client_leaves_the_respondents_going(served):
    server, proxy = served
    before = drafts(server)
    for _ in range(60):  # the consent button, pressed again and again: no draft, no count
        phone = client(proxy, "127.0.0.13")
        phone.begin()
        phone.close()
    assert drafts(server) == before

    flood = [first_save(proxy, "127.0.0.2") for _ in range(45)]  # more than the global ceiling
    assert set(flood) == {302, 429}
    # Five a minute; ten if the run crossed into the next minute.
    assert 5 <= flood.count(302) <= 10, flood
    respondents = [first_save(proxy, f"127.0.0.{n}") for n in range(3, 13)]
    assert respondents == [302] * 10
    assert drafts(server) == before + flood.count(302) + 10


def test_a_guessing_client_leaves_the_analysts_logging_in(served):
    _server, proxy = served
    guesses = [login(proxy, "127.0.0.30", f"user{n}@musterstadt.example", "wrong password!") for n in range(40)]
    assert set(guesses) == {401, 429} and 5 <= guesses.count(401) <= 10, guesses
    assert login(proxy, "127.0.0.31", ANALYST, PASSWORD) == 302


def test_no_address_of_a_client_reaches_a_log(served):
    server, proxy = served
    first_save(proxy, "127.0.0.40")
    logs = server.log() + proxy.access_log.read_text(errors="replace")
    assert logs and not [address for address in ("127.0.0.2", "127.0.0.13", "127.0.0.30", "127.0.0.40") if address in logs]
