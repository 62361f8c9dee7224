"""What only a browser shows of the smaller things (issue 17): text limits counted in characters
and never cut, and long words that wrap on a 320 px phone."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from survey.questionnaire import load_questionnaire_text
from survey.seed import seeded_app
from survey.store.questionnaires import import_questionnaire
from tests.browser.answering import PAGES, complete_page

SLUG = "needs-assessment"
pytestmark = pytest.mark.browser
LONG_TITLE = "Bedarfsabfrage_Integrationsmanagement_Musterstadt_Stadtbezirk_Nord_2026_final_v3.xlsx"
FORM = f"""
slug: long-title
title: {{de: {LONG_TITLE}, ar: {LONG_TITLE}}}
default_language: de
languages: [de, ar]
sections:
  - code: one
    title: {{de: {LONG_TITLE}, ar: {LONG_TITLE}}}
    questions:
      - code: where
        type: single_choice
        label: {{de: "Wo?", ar: "أين؟"}}
        options: [{{code: a, label: {{de: {LONG_TITLE}, ar: {LONG_TITLE}}}}}, {{code: b, label: {{de: Nein, ar: لا}}}}]
"""


def test_emoji_text_is_counted_in_characters_and_never_cut(new_context, live_server):
    page = new_context(True, locale="de").new_page()
    page.goto(f"{live_server}/s/{SLUG}/de/")
    page.click("form button.primary")
    for section, data in PAGES[:-1]:
        assert f"/p/{section}" in page.url
        complete_page(page, data, javascript=True)
    assert page.url.endswith("/p/preferences")
    comments = page.locator('[name="comments"]')
    comments.focus()
    page.keyboard.insert_text("👍🏽" * 1000)  # as a paste: 2,000 characters, 4,000 UTF-16 units
    length = page.evaluate("Array.from(document.querySelector('[name=comments]').value).length")
    assert length == 2000  # nothing cut by the browser
    counter = page.locator("#q-comments-counter")
    assert counter.inner_text() == "Zeichen: 2000 von 2000"
    assert "over" not in (counter.get_attribute("class") or "")
    page.keyboard.insert_text("!")
    assert counter.inner_text() == "Zeichen: 2001 von 2000" and "over" in counter.get_attribute("class")


@pytest.fixture(scope="module")
def long_title_server(browser_available, tmp_path_factory):
    app = seeded_app(tmp_path_factory.mktemp("long-title"))
    with app.extensions["survey.db"].session_factory() as session:
        import_questionnaire(session, load_questionnaire_text(FORM, "long-title.yaml"))
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("lang", ["ar", "de"])
def test_a_title_without_spaces_wraps_at_320_px(chromium, long_title_server, lang):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, locale=lang)
    try:
        page = context.new_page()
        for path in (f"/s/long-title/{lang}/", f"/s/long-title/{lang}/accessibility"):
            page.goto(long_title_server + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        page.goto(f"{long_title_server}/s/long-title/{lang}/")
        page.click("form button.primary")
        assert "/p/one" in page.url
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        # The start of every line is on the screen (right-to-left: nothing cut off on the right).
        lefts = page.evaluate("[...document.querySelectorAll('.survey-title, h1, label')].map(e => e.getBoundingClientRect().left)")
        assert min(lefts) >= 0
    finally:
        context.close()
