"""The privacy notice and the legal notice of every survey (issue 17): linked from every respondent
page, in the respondent's language, quoting the settings (never a number typed into a text) in the
plural form of her language, and showing the city's own details as entered, marked as German."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete

from survey.store.models import LegalDetailsRow
from tests.conftest import Browser
from tests.web.test_plural_forms import catalogue, expected

SLUG = "needs-assessment"
DRAFT = "Until you send your answers, they are kept as a draft. A draft that is not sent is deleted %(num)d day after it was last saved."
CONTACT = ("If you ask a counsellor to contact you, your name, your telephone number or e-mail address and your message are "
           "stored apart from your answers and cannot be linked to them. They are deleted %(num)d day after the counsellor "
           "has dealt with your request.")
THRESHOLD = ("Only summaries of many answers are published, never single answers. Every number in a published table counts at "
             "least %(num)d person; smaller groups are not shown.")
IN_GERMAN = {"de": None, "ar": "(بالألمانية)", "uk": "(німецькою)"}


def sentence(locale: str, singular: str, n: int) -> str:
    message = next(m for m in catalogue(locale) if isinstance(m.id, tuple) and m.id[0] == singular)
    return expected(locale, message, n)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&#34;", '"').split())


@pytest.mark.parametrize("lang", ["de", "ar", "uk"])
@pytest.mark.parametrize(("draft_days", "contact_days", "threshold"), [(30, 90, 5), (1, 21, 3), (2, 101, 11)])
def test_the_privacy_notice_quotes_the_settings_in_the_readers_plural(app, browser, lang, draft_days, contact_days, threshold):
    app.config.update(DRAFT_RETENTION_DAYS=draft_days, CONTACT_RETENTION_DAYS=contact_days, SUPPRESSION_THRESHOLD=threshold)
    page = browser.get(f"/s/{SLUG}/{lang}/privacy")
    assert page.status == 200
    text = text_of(page.html)
    for singular, n in ((DRAFT, draft_days), (CONTACT, contact_days), (THRESHOLD, threshold)):
        wanted = sentence(lang, singular, n)
        assert wanted in text, (lang, n, wanted)
        assert str(n) in wanted or lang == "ar"  # Arabic names one and two in words
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in page.html


@pytest.mark.parametrize("lang", ["de", "ar", "uk"])
def test_the_citys_own_details_are_shown_as_entered_and_marked_german(browser, lang):
    privacy = browser.get(f"/s/{SLUG}/{lang}/privacy").html
    assert '<p class="city-text" lang="de" dir="ltr">Stadt Musterstadt</p>' in privacy
    assert '<p class="city-text" lang="de" dir="ltr">Musterstraße 1\n12345 Musterstadt</p>' in privacy
    assert 'href="mailto:datenschutz@example.org"' in privacy
    assert "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)</p>" in privacy
    assert "Art. 6 Abs. 1 lit. e DSGVO in Verbindung mit § 3 DSG NRW" in privacy
    legal = browser.get(f"/s/{SLUG}/{lang}/legal-notice").html
    assert '<p class="city-text" lang="de" dir="ltr">Stadt Musterstadt\nDie Bürgermeisterin' in legal
    note = IN_GERMAN[lang]
    if note is None:
        assert 'class="small">(' not in privacy
    else:
        assert f'<span class="small">{note}</span>' in privacy and f'<span class="small">{note}</span>' in legal


def test_gaps_the_city_left_are_named_not_hidden(app, browser, db):
    db.execute(delete(LegalDetailsRow))
    db.commit()
    page = browser.get(f"/s/{SLUG}/de/privacy").html
    assert page.count("Von der Stadt noch nicht angegeben.") >= 3
    assert "(LDI NRW)" in page  # the default authority


def test_consent_adds_the_right_to_withdraw_it(browser, db):
    db.query(LegalDetailsRow).update({"legal_basis": "consent"})
    db.commit()
    page = browser.get(f"/s/{SLUG}/de/privacy").html
    assert "Art. 9 Abs. 2 lit. a DSGVO" in page
    assert "Sie können Ihre Einwilligung jederzeit widerrufen." in page


def _links_both(html: str, prefix: str) -> bool:
    return f'href="{prefix}privacy"' in html and f'href="{prefix}legal-notice"' in html


def test_every_respondent_page_links_both_notices(browser: Browser):
    prefix = f"/s/{SLUG}/ar/"
    seen = {}
    browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar"
    seen["language"] = browser.get(f"/s/{SLUG}/").html
    for page in ("resume", "accessibility", "privacy", "legal-notice", ""):
        seen[page or "intro"] = browser.get(prefix + page).html
    browser.post(prefix + "start")
    assert "/p/" in browser.url
    seen["section"] = browser.html
    browser.post(data={"action": "next"})
    seen["section 2"] = browser.html
    seen["delete"] = browser.get(prefix + "delete").html
    seen["review"] = browser.get(prefix + "review").html
    browser.post(prefix + "submit")
    if browser.url.endswith("/review") or "/p/" in browser.url:
        pytest.fail(f"could not send: {browser.url}")
    seen["thanks"] = browser.html
    missing = [name for name, html in seen.items() if not _links_both(html, prefix)]
    assert missing == []
    # The offer directory and the contact form, outside any survey, link their own copies.
    for url in ("/offers/ar/", "/contact/ar/", "/privacy/ar/", "/legal-notice/ar/"):
        html = browser.get(url).html
        assert 'href="/privacy/ar/"' in html and 'href="/legal-notice/ar/"' in html, url
    assert '<p class="city-text" lang="de" dir="ltr">Stadt Musterstadt</p>' in browser.get("/privacy/ar/").html


def test_the_legal_notice_shows_the_citys_logo_from_this_server(app, browser, db):
    from survey.store import legal_details
    from tests.web.test_legal_details import _png

    assert "<img" not in browser.get(f"/s/{SLUG}/de/legal-notice").html
    legal_details.set_logo(db, _png(), "image/png")
    db.commit()
    page = browser.get(f"/s/{SLUG}/de/legal-notice").html
    assert '<img class="city-logo" src="/s/logo.png" alt="Stadt Musterstadt">' in page
