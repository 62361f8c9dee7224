"""Posts are refused when the browser says they came from another site (Sec-Fetch-Site, else
Origin, else Referer), and accepted with the token alone when it says nothing (survey/web/same_origin.py).
Over HTTPS no Referer is needed any more (issue 16)."""
from __future__ import annotations

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
