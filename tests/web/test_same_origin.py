"""Posts are refused when the browser says they came from another site (Sec-Fetch-Site, else
Origin, else Referer), and accepted with the token alone when it says nothing (survey/web/same_origin.py).
Over HTTPS no Referer is needed any more (issue 16)."""
from __future__ import annotations

import re

import pytest

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
