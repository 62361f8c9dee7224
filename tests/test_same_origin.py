"""Posts are refused when the browser says they came from another site (Sec-Fetch-Site, else
Origin, else Referer), and accepted with the token alone when it says nothing (survey/web/same_origin.py).
Over HTTPS no Referer is needed any more (issue 16)."""
from __future__ import annotations

import re

import pytest

from survey.web.same_origin import is_cross_origin, origin_of

OWN = {("https", "umfrage.musterstadt.de", 443)}


@pytest.mark.parametrize(("fetch_site", "origin", "referer", "cross"), [
    (None, None, None, False),  # an old browser that says nothing: the token decides
    ("same-origin", None, None, False),
    ("none", None, None, False),  # the person sent it again herself
    ("same-site", None, None, True),  # a sibling host of the city's domain
    ("cross-site", "https://umfrage.musterstadt.de", None, True),  # the most reliable signal wins
    (None, "https://umfrage.musterstadt.de", None, False),
    (None, "https://umfrage.musterstadt.de:443", None, False),
    (None, "https://UMFRAGE.musterstadt.de", None, False),
    (None, "null", "https://umfrage.musterstadt.de/s/x/", True),  # a page that hides its origin
    (None, "http://umfrage.musterstadt.de", None, True),
    (None, "https://umfrage.musterstadt.de.evil.example", None, True),
    (None, None, "https://umfrage.musterstadt.de/s/needs-assessment/ar/p/about", False),
    (None, None, "https://evil.example/umfrage.musterstadt.de", True),
    (None, None, "not a url", True),
])
def test_the_first_signal_a_browser_gives_decides(fetch_site, origin, referer, cross):
    assert is_cross_origin(fetch_site, origin, referer, OWN) is cross


def test_origin_of_reads_scheme_host_and_port():
    assert origin_of("https://a.example:8443/x?y") == ("https", "a.example", 8443)
    assert origin_of("http://a.example") == ("http", "a.example", 80)
    assert origin_of("ftp://a.example") is None
    assert origin_of("https://a.example:99999/") is None


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _login_form(client, base: str):
    page = client.get("/staff/login", base_url=base)
    return {"csrf_token": CSRF.search(page.get_data(as_text=True)).group(1),
            "email": "nobody@musterstadt.example", "password": "wrong", "next": ""}


@pytest.mark.parametrize("base", ["http://localhost", "https://localhost"])
def test_a_post_with_its_token_but_from_another_site_is_refused(app, base):
    client = app.test_client()
    form = _login_form(client, base)
    refused = client.post("/staff/login", data=form, base_url=base, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 400
    refused = client.post("/staff/login", data=form, base_url=base, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 400


@pytest.mark.parametrize("headers", [
    {},  # no Referer, no Origin (Referrer-Policy no-referrer, or a privacy extension)
    {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    {"Origin": "https://localhost"},
    {"Referer": "https://localhost/staff/login"},
])
def test_a_post_over_https_from_this_site_needs_no_referer(app, headers):
    client = app.test_client()
    form = _login_form(client, "https://localhost")
    answer = client.post("/staff/login", data=form, base_url="https://localhost", headers=headers)
    # The login itself fails (wrong password) on its own page, past the CSRF check.
    assert answer.status_code != 400, answer.get_data(as_text=True)[:300]
    assert "expired" not in answer.get_data(as_text=True)


def test_the_public_address_counts_as_this_site(app):
    app.config["PUBLIC_BASE_URL"] = "https://umfrage.musterstadt.de"
    client = app.test_client()
    form = _login_form(client, "https://localhost")
    answer = client.post("/staff/login", data=form, base_url="https://localhost",
                         headers={"Origin": "https://umfrage.musterstadt.de"})
    assert answer.status_code != 400
