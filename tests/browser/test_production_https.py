"""The production shape, end to end: Chromium -> nginx with deploy/nginx.conf terminating TLS ->
gunicorn with gunicorn.conf.py (SURVEY_PROXY_COUNT=1) -> SQLite.

Staff log in, a respondent answers the needs questionnaire to the end, an analyst downloads the
export: every one of them a form post over HTTPS, which the CSRF check once refused because
pages asked for no Referer (issue 16). `make test` installs nginx; without it (or Chromium) these
tests are skipped, unless SURVEY_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tests.browser.answering import PAGES, click_and_wait, complete_page
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.browser.nginx_proxy import SERVER_NAME, NginxProxy, analyst_account, require_production_shape
from tests.browser.nginx_proxy import production as production_shape
from tests.load.load_client import SLUG

pytestmark = pytest.mark.browser

STAFF_EMAIL = "analyse@musterstadt.example"
STAFF_PASSWORD = "ein langes Test-Passwort 7"
COMMENT = "Über HTTPS gesendet – أرسلت"


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory, browser_available: None) -> Iterator[NginxProxy]:
    require_production_shape()

    analyst = analyst_account(STAFF_EMAIL, STAFF_PASSWORD)
    with production_shape(tmp_path_factory.mktemp("production"), before_start=analyst) as (_server, proxy):
        yield proxy


@pytest.fixture()
def https_context(chromium, production: NginxProxy):
    contexts = []

    def make(locale: str = "de"):
        context = chromium.new_context(viewport=PHONE, locale=locale, ignore_https_errors=True, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def chromium(playwright) -> Iterator[object]:
    """Chromium that resolves the production host name to the local nginx."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {SERVER_NAME} 127.0.0.1"])
    yield browser
    browser.close()


def test_a_respondent_answers_to_the_end_and_an_analyst_logs_in_and_exports_over_https(https_context, production):
    base = production.base_url

    respondent = https_context("ar").new_page()
    respondent.goto(f"{base}/s/{SLUG}/")
    assert respondent.url.startswith("https://")
    respondent.click("button[type=submit]")  # the language page: Arabic from the browser
    assert respondent.url.endswith(f"/s/{SLUG}/ar/")
    respondent.click("form button.primary")  # start: the first post
    assert "/p/about" in respondent.url, respondent.locator("main").inner_text()[:300]
    for section, data in PAGES:
        assert f"/p/{section}" in respondent.url, respondent.url
        if section == "preferences":
            data = {**data, "comments": COMMENT}
        complete_page(respondent, data, javascript=True)
    assert respondent.url.endswith("/ar/review")
    click_and_wait(respondent, "form button.primary", javascript=True)
    assert respondent.url.endswith("/ar/thanks"), respondent.locator("main").inner_text()[:300]
    cookies = respondent.context.cookies()
    assert cookies and all(cookie["secure"] for cookie in cookies)

    staff_context = https_context("de")
    staff = staff_context.new_page()
    staff.goto(f"{base}/staff/")
    staff.fill("#email", STAFF_EMAIL)
    staff.fill("#password", STAFF_PASSWORD)
    staff.click("button.primary")
    assert "/staff/login" not in staff.url, staff.locator("main").inner_text()[:300]
    assert all(cookie["secure"] for cookie in staff_context.cookies())

    staff.goto(f"{base}/staff/q/{SLUG}/export")
    staff.check('input[name="format"][value="csv"]')
    with staff.expect_download() as download_info:
        staff.click("form button.primary")
    download = download_info.value
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the form's default: German Excel's dialect
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [row["comments"] for row in rows] == [COMMENT]
    assert rows[0]["language"] == "ar"

    # A large format runs as a background job in a process of its own; its page refreshes itself.
    staff.goto(f"{base}/staff/q/{SLUG}/export")
    staff.check('input[name="format"][value="xlsx"]')
    staff.click("form button.primary")
    link = staff.locator('a.button.primary[href$="/download"]')
    link.wait_for(timeout=60_000)
    with staff.expect_download() as download_info:
        link.click()
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()), read_only=True)
    data = list(workbook["data"].iter_rows(values_only=True))
    assert len(data) == 2 and COMMENT in data[1]


def test_every_response_through_the_proxy_asks_for_https_and_sends_no_referrer_elsewhere(production):
    response = production.request("GET", f"/s/{SLUG}/de/")
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert response.getheader("Referrer-Policy") == "same-origin"


def test_the_proxy_serves_no_other_host_name_and_passes_no_forwarding_header_of_a_client(production):
    import ssl

    with pytest.raises(ssl.SSLError):
        production.request("GET", f"/s/{SLUG}/de/", server_name="evil.example")
    # A client's own X-Forwarded-* values are replaced by the proxy's: links stay on this host.
    response = production.request("GET", f"/s/{SLUG}/", {"X-Forwarded-Host": "evil.example",
                                                        "X-Forwarded-Prefix": "/evil"})
    assert response.status == 200
    assert b"evil" not in response.body
