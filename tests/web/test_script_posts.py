"""The answers to a page that survey.js sends itself (issue 17, a lost connection): marked as the
survey's own, a redirect named instead of followed, the same page as without script otherwise."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from survey.store.models import Draft
from tests.web.test_respondent_flow import ABOUT, SLUG, start_in

SCRIPT = {"X-Survey-Script": "1"}


def _post(browser, data, headers=None):
    shown = re.search(r'name="_shown" value="([^"]*)"', browser.html).group(1)
    payload = {"csrf_token": browser.csrf(), "_shown": shown, "action": "next", **data}
    return browser.client.post(browser.url, data=payload, headers=headers or {})


def test_a_saved_page_names_the_next_page_instead_of_redirecting(browser):
    start_in(browser, "ar")
    response = _post(browser, ABOUT, SCRIPT)
    assert response.status_code == 200
    assert response.headers["X-Survey-Answered"] == "1"
    assert response.headers["X-Survey-Location"] == f"/s/{SLUG}/ar/p/needs"
    assert "Location" not in response.headers and response.get_data() == b""
    assert response.headers["Cache-Control"] == "no-store"
    # The save is real: the next page opens with the draft.
    assert browser.get(f"/s/{SLUG}/ar/p/needs").status == 200 and browser.url.endswith("/p/needs")


def test_a_page_with_an_error_comes_back_whole_and_marked(browser):
    start_in(browser, "ar")
    response = _post(browser, {k: v for k, v in ABOUT.items() if k != "district"}, SCRIPT)
    assert response.status_code == 422
    assert response.headers["X-Survey-Answered"] == "1"
    assert "X-Survey-Location" not in response.headers
    assert 'class="error-summary"' in response.get_data(as_text=True)


def test_the_same_answers_sent_twice_are_saved_once(browser, db):
    """A retry after a lost answer: the page is saved again with the same content."""
    start_in(browser, "ar")
    first = _post(browser, ABOUT, SCRIPT)
    again = _post(browser, ABOUT, SCRIPT)
    assert first.headers["X-Survey-Location"] == again.headers["X-Survey-Location"]
    assert db.scalar(select(func.count()).select_from(Draft)) == 1


def test_without_the_header_nothing_changes(browser):
    start_in(browser, "ar")
    response = _post(browser, ABOUT)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/s/{SLUG}/ar/p/needs")
    assert "X-Survey-Answered" not in response.headers


def test_pages_carry_the_message_for_a_lost_connection_in_their_language(browser):
    start_in(browser, "ar")
    assert "لا يوجد اتصال" in browser.html and 'id="connection-lost"' in browser.html
    assert "data-send" in browser.html
