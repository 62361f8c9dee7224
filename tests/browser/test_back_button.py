"""After "send", the phone's back button brings back none of the respondent's answers, not even
from Chromium's back/forward cache, which Playwright switches off unless asked (issue 17)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.answering import PAGES, click_and_wait, complete_page
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

SLUG = "needs-assessment"
COMMENT = "Mein Kommentar – تعليقي"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium_with_bfcache(playwright) -> Iterator[object]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                         ignore_default_args=["--disable-back-forward-cache"])
    yield browser
    browser.close()


def test_the_back_button_after_sending_shows_no_answer_and_no_resume_code(chromium_with_bfcache, live_server):
    context = chromium_with_bfcache.new_context(viewport=PHONE, locale="ar")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/s/{SLUG}/ar/")
        page.click("form button.primary")
        for section, data in PAGES:
            if section == "preferences":
                data = {**data, "comments": COMMENT}
            complete_page(page, data, javascript=True)
        assert page.url.endswith("/ar/review") and COMMENT in page.locator("main").inner_text()
        click_and_wait(page, "form button.primary", javascript=True)
        assert page.url.endswith("/ar/thanks")

        # Back through the whole history of the tab, as the next person holding the phone might.
        for _step in range(4):
            # "commit": a page restored from the back/forward cache fires no load event.
            page.go_back(wait_until="commit")
            main = page.locator("main").inner_text()
            assert COMMENT not in main, page.url
            assert page.locator(".resume .code").count() == 0, page.url
            assert "/review" not in page.url and "/p/" not in page.url, page.url
    finally:
        context.close()
