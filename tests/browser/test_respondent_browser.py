"""The needs questionnaire in a real browser on a phone-sized screen: complete it in Arabic and
Ukrainian with and without JavaScript, switch language mid-way, resume with the code on a fresh
browser; axe-core on every respondent page in every language; screenshots as test artifacts."""
from __future__ import annotations

import re

import pytest

from survey.languages import LANGUAGES
from tests.browser.answering import PAGES, click_and_wait, complete_page, fill
from tests.browser.conftest import ARTIFACTS, AXE

SLUG = "needs-assessment"
pytestmark = pytest.mark.browser

def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def external_requests(context, base: str) -> list[str]:
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url) if not request.url.startswith(base) else None)
    return seen


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize(("lang", "switch_to"), [("ar", "de"), ("uk", "en")])
def test_complete_needs_questionnaire_on_a_phone(new_context, live_server, lang, switch_to, javascript):
    mode = "js" if javascript else "nojs"
    context = new_context(javascript, locale=lang)
    foreign = external_requests(context, live_server)
    page = context.new_page()
    page.goto(f"{live_server}/s/{SLUG}/")
    assert page.locator(f'input[value="{lang}"]').is_checked()  # from Accept-Language
    shoot(page, f"{lang}-{mode}-00-language")
    page.click("button[type=submit]")
    assert page.url.endswith(f"/s/{SLUG}/{lang}/")
    direction = "rtl" if lang == "ar" else "ltr"
    assert page.locator("html").get_attribute("dir") == direction
    shoot(page, f"{lang}-{mode}-01-intro")
    page.click("form button.primary")

    # A validation error first: the summary takes focus and links to the field.
    click_and_wait(page, "button[value=next]", javascript)
    assert page.locator(".error-summary").is_visible()
    if javascript:
        assert page.evaluate("document.activeElement.className") == "error-summary"
    shoot(page, f"{lang}-{mode}-02-errors")

    code = None
    for number, (section, data) in enumerate(PAGES, start=3):
        assert f"/p/{section}" in page.url, page.url
        shoot(page, f"{lang}-{mode}-{number:02d}-{section}")
        if section == "language":
            page.select_option("#new-language", switch_to)
            click_and_wait(page, "button[value=switch_language]", javascript)
            assert page.url.endswith(f"/{switch_to}/p/language")
            assert page.locator("html").get_attribute("lang") == switch_to
            complete_page(page, data, javascript)
            page.select_option("#new-language", lang)
            click_and_wait(page, "button[value=switch_language]", javascript)
            assert page.url.endswith(f"/{lang}/p/education")
            continue
        if section == "education":
            # Resume on a fresh browser (another device) with the code shown on the page.
            code = page.locator(".resume .code").inner_text()
            context = new_context(javascript, locale=lang)
            foreign += external_requests(context, live_server)
            page = context.new_page()
            page.goto(f"{live_server}/s/{SLUG}/{lang}/resume")
            page.fill("#code", code.lower())
            page.click("button.primary")
            assert f"/{lang}/p/education" in page.url
            assert page.locator(".resume .code").inner_text() == code
        complete_page(page, data, javascript)

    assert page.url.endswith(f"/{lang}/review")
    shoot(page, f"{lang}-{mode}-13-review")
    assert "<i>Bus</i>" in page.locator("main").inner_text()  # shown as text, not markup
    assert page.locator("main i").count() == 0
    click_and_wait(page, "form button.primary", javascript)
    assert page.url.endswith(f"/{lang}/thanks")
    shoot(page, f"{lang}-{mode}-14-thanks")
    page.go_back()
    page.goto(f"{live_server}/s/{SLUG}/{lang}/review")
    assert page.url.endswith(f"/s/{SLUG}/{lang}/")  # nothing left to see on this device
    assert foreign == []


def test_follow_up_appears_at_once_with_script(new_context, live_server):
    """Under the real Content-Security-Policy: the page's own script runs, nothing is refused."""
    page = new_context(True).new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/s/{SLUG}/de/")
    page.click("form button.primary")
    complete_page(page, PAGES[0][1], True)
    urgency = page.locator('[data-code="urgency"]')
    assert urgency.is_hidden()
    page.locator('[name="help_areas"][value="housing"]').check()
    assert urgency.is_visible()
    assert page.locator('input[name="_shown"]').input_value() == "help_areas urgency knows_where"
    page.locator('[name="help_areas"][value="housing"]').uncheck()
    assert urgency.is_hidden()
    assert refused == []


def respondent_urls(page, base: str, lang: str):
    """Visit every respondent page in ``lang``, yielding a name for each once it has loaded (a
    click returns once the navigation has started; a check run before the page is there fails)."""
    page.goto(f"{base}/s/{SLUG}/?lang={lang}")
    yield "intro"
    page.goto(f"{base}/s/{SLUG}/{lang}/accessibility")
    yield "accessibility"
    page.goto(f"{base}/s/{SLUG}/{lang}/privacy")
    yield "privacy notice"
    page.goto(f"{base}/s/{SLUG}/{lang}/legal-notice")
    yield "legal notice"
    page.goto(f"{base}/s/{SLUG}/{lang}/resume")
    yield "resume"
    page.goto(f"{base}/s/{SLUG}/{lang}/")
    page.click("form button.primary")
    click_and_wait(page, "button[value=next]", True)
    yield "errors"
    for section, data in PAGES:
        yield section
        fill(page, data)
        click_and_wait(page, "button[value=next]", True)
        if f"/p/{section}" in page.url:
            yield section + " (follow-ups)"
            fill(page, data)
            click_and_wait(page, "button[value=next]", True)
    yield "review"
    page.goto(f"{base}/s/{SLUG}/{lang}/delete")
    yield "delete"
    page.goto(f"{base}/s/{SLUG}/{lang}/review")
    click_and_wait(page, "form button.primary", True)
    yield "thanks"


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_axe_finds_no_wcag_violations_on_any_page(new_context, live_server, lang):
    # axe itself needs script (and an exception from the CSP); the pages are the same
    context = new_context(True, locale=lang, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/s/{SLUG}/")
    problems = []
    checked = 0
    for name in respondent_urls(page, live_server, lang):
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        checked += 1
        for violation in result["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{lang} {name}: {violation['id']} ({violation['help']}) at {targets}")
    assert checked >= 14
    assert problems == []


def test_language_page_names_languages_in_their_own_script_and_direction(new_context, live_server):
    page = new_context(False, locale="fa").new_page()
    page.goto(f"{live_server}/s/{SLUG}/")
    label = page.locator('label[for="lang-ar"]')
    assert label.inner_text() == "العربية" and label.get_attribute("dir") == "rtl"
    assert re.match(r"^Укра", page.locator('label[for="lang-uk"]').inner_text())


@pytest.mark.parametrize("lang", ["ar", "uk"])
def test_reflows_at_320_px_with_touch_targets_of_44_px(new_context, chromium, live_server, lang):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, locale=lang)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/s/{SLUG}/")
        for name in respondent_urls(page, live_server, lang):
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{lang} {name}: scrolls sideways ({width} px)"
            small = page.evaluate(
                """() => [...document.querySelectorAll('.option, button, select, input[type=text], textarea, .footer-links a')]
                     .filter(e => e.offsetParent !== null)
                     .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])
                     .filter(([, h]) => h < 44)"""
            )
            assert small == [], f"{lang} {name}: targets under 44 px: {small}"
    finally:
        context.close()


def test_audio_clips_load_only_when_played_and_pass_axe(new_context, chromium, live_server):
    context = chromium.new_context(viewport={"width": 320, "height": 640}, locale="ar", bypass_csp=True)
    try:
        page = context.new_page()
        audio_requests: list[str] = []
        page.on("request", lambda request: audio_requests.append(request.url) if "/audio/" in request.url else None)
        page.goto(f"{live_server}/s/audio-demo/ar/")
        page.click("form button.primary")
        clips = page.locator("audio")
        assert clips.count() == 2
        assert audio_requests == []  # preload="none": a phone on prepaid data downloads nothing
        assert page.evaluate("[...document.querySelectorAll('audio')].some(a => a.autoplay)") is False
        sizes = page.evaluate("[...document.querySelectorAll('audio')].map(a => a.getBoundingClientRect().height)")
        assert min(sizes) >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        assert [v["id"] for v in result["violations"]] == []
        shoot(page, "ar-audio")
        page.evaluate("document.querySelector('audio').play().catch(() => null)")
        page.wait_for_timeout(300)
        assert any(url.endswith("/s/audio-demo/audio/course-ar.ogg") for url in audio_requests)
    finally:
        context.close()
