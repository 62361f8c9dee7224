"""A lost connection never loses a page (issue 17): in Chromium, in Arabic, on a page of five
questions. The page is sent by survey.js; without signal the respondent stays on her page with
its answers and a message in her language; what she typed is kept in this tab only until the
server confirmed it, and nothing of it stays after sending."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.answering import PAGES, click_and_wait, complete_page, fill

SLUG = "needs-assessment"
ABOUT = PAGES[0][1]
KEPT = "Object.keys(sessionStorage).filter(k => k.startsWith('survey-kept:'))"
pytestmark = pytest.mark.browser


def _answers_on_the_page(page) -> dict[str, str]:
    checked = {code: page.locator(f'[name="{code}"]:checked').get_attribute("value")
               for code in ("district", "age_band", "housing_type", "household_children")}
    return {**checked, "arrival_year": page.locator('[name="arrival_year"]').input_value()}


def test_a_page_sent_without_signal_stays_with_its_answers_and_comes_back_after_leaving(new_context, live_server):
    context = new_context(True, locale="ar")
    page = context.new_page()
    page.goto(f"{live_server}/s/{SLUG}/ar/")
    page.click("form button.primary")
    about = page.url
    assert about.endswith("/ar/p/about")
    fill(page, ABOUT)
    expected = _answers_on_the_page(page)
    assert expected == ABOUT

    context.set_offline(True)
    click_and_wait(page, "button[value=next]", javascript=True)
    message = page.locator("#connection-lost")
    assert page.url == about
    assert message.is_visible() and message.get_attribute("role") == "alert"
    assert "لا يوجد اتصال" in message.inner_text()  # in her language, not the English source
    assert _answers_on_the_page(page) == expected
    # Pressing again without signal: still here, still answered.
    click_and_wait(page, "button[value=next]", javascript=True)
    assert page.url == about and message.is_visible() and _answers_on_the_page(page) == expected
    assert page.evaluate(KEPT) == ["survey-kept:" + urlsplit(about).path]

    # Signal again; she leaves the page (a link, the back button) and comes back: still answered,
    # although the server has nothing of this page yet.
    context.set_offline(False)
    page.goto(f"{live_server}/s/{SLUG}/ar/accessibility")
    page.go_back()
    assert page.url == about
    assert _answers_on_the_page(page) == expected
    assert not page.locator("#connection-lost").is_visible()

    # Sent now: the next page, and the kept copy is gone once the server confirmed the save.
    click_and_wait(page, "button[value=next]", javascript=True)
    assert page.url.endswith("/ar/p/needs")
    assert page.evaluate(KEPT) == []
    page.go_back()
    assert _answers_on_the_page(page) == expected  # now from the server's draft


def test_nothing_is_kept_in_the_tab_after_sending(new_context, live_server):
    context = new_context(True, locale="ar")
    page = context.new_page()
    page.goto(f"{live_server}/s/{SLUG}/ar/")
    page.click("form button.primary")
    for _section, data in PAGES[:-1]:
        complete_page(page, data, javascript=True)
    # The last page typed but not sent, then sent from a second try after losing the signal.
    fill(page, PAGES[-1][1])
    context.set_offline(True)
    click_and_wait(page, "button[value=next]", javascript=True)
    assert "/p/preferences" in page.url and page.evaluate(KEPT) != []
    context.set_offline(False)
    click_and_wait(page, "button[value=next]", javascript=True)
    assert page.url.endswith("/ar/review")

    context.set_offline(True)
    click_and_wait(page, "form button.primary", javascript=True)
    assert page.url.endswith("/ar/review") and page.locator("#connection-lost").is_visible()
    context.set_offline(False)
    click_and_wait(page, "form button.primary", javascript=True)
    assert page.url.endswith("/ar/thanks")
    assert page.evaluate("sessionStorage.length") == 0
