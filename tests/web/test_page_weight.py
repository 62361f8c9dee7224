"""Every respondent page in every language fits the budget, loads nothing from other hosts, and
its assets are fingerprinted, compressed and cached."""
import gzip
import re

import pytest

from bench.page_weight import PAGE_BUDGET, SCRIPT_BUDGET, make_app, measure


@pytest.fixture(scope="module")
def weight_app():
    return make_app()


def test_every_page_with_its_assets_is_within_budget(weight_app):
    results = measure(weight_app)
    languages = {r.language for r in results if r.slug == "needs-assessment"}
    assert len(languages) == 16
    assert len(results) > 250
    over = [(r.slug, r.language, r.page, r.total_gzip) for r in results if r.total_gzip > PAGE_BUDGET]
    assert over == []
    assert max(r.script_gzip for r in results) <= SCRIPT_BUDGET
    assert any(r.script_gzip > 0 for r in results)  # the script is counted where it is loaded


def test_pages_load_only_fingerprinted_local_assets_with_long_caching(weight_app):
    client = weight_app.test_client()
    html = client.get("/s/needs-assessment/ar/").get_data(as_text=True)
    resources = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html)
    assert resources and all(re.fullmatch(r"/assets/[a-z]+\.[0-9a-f]{10}\.(css|js|ico)", url) for url in resources)
    response = client.get(resources[0], headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()).startswith(b"/*")
    assert client.get("/assets/survey.0000000000.css").status_code == 404


def test_html_is_compressed_when_the_browser_accepts_it(weight_app):
    response = weight_app.test_client().get("/s/needs-assessment/uk/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b'<html lang="uk" dir="ltr">' in gzip.decompress(response.get_data())
