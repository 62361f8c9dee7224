"""The public offer directory and the contact form in a real browser: Arabic at 320 px, with the
sample city's offers; axe-core, no sideways scrolling, 44 px targets, a screenshot to look at."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from survey.seed import seeded_app
from survey.store.sample import load_sample
from tests.browser.conftest import AXE
from tests.browser.test_respondent_browser import AXE_TAGS, external_requests, shoot

pytestmark = pytest.mark.browser
NARROW = {"width": 320, "height": 640}
SMALL_TARGETS = """() => [...document.querySelectorAll(
        '.option, button, select, input[type=text], input[type=tel], input[type=email], textarea, .footer-links a, .contact-links a')]
    .filter(e => e.offsetParent !== null)
    .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
    .filter(([, h]) => h < 44)"""


@pytest.fixture(scope="module")
def sample_server(browser_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = seeded_app(tmp_path_factory.mktemp("offers"))
    with app.extensions["survey.db"].session_factory() as session:
        report = load_sample(session)
        session.commit()
    assert report.offers >= 20
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    return [f"{v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def check_page(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{name}: scrolls sideways"
    assert page.evaluate(SMALL_TARGETS) == [], f"{name}: targets under 44 px"
    assert axe_violations(page) == [], name


def test_arabic_directory_at_320_px(chromium, sample_server):
    # axe needs script, injected inline: bypass_csp lets the test tool in, the pages need no exception.
    context = chromium.new_context(viewport=NARROW, locale="ar", java_script_enabled=True, bypass_csp=True)
    try:
        outside = external_requests(context, sample_server)
        page = context.new_page()
        page.goto(f"{sample_server}/offers/")
        assert page.url.startswith(f"{sample_server}/offers/ar/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("article.offer").count() >= 20
        check_page(page, "offers")
        shoot(page, "ar-offers")

        # Filter with the plain form: housing in one district.
        page.check("#field-housing")
        page.select_option("#district", index=1)
        page.click("form.filters button[type=submit]")
        assert "field=housing" in page.url and "district=" in page.url
        assert page.locator("#field-housing").is_checked()
        check_page(page, "offers filtered")
        shoot(page, "ar-offers-filtered")

        page.goto(f"{sample_server}/contact/ar/")
        check_page(page, "contact")
        page.click("form[method=post] button[type=submit]")
        assert page.locator(".error-summary").is_visible()
        check_page(page, "contact with errors")
        shoot(page, "ar-contact-errors")
        assert outside == []  # nothing loaded from another host
    finally:
        context.close()
