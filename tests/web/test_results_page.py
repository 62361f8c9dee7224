"""The results page: charts as SVG images with a text alternative and a table, suppression
visible, analysts only."""
import re

import pytest

from tests.staff_helpers import logged_in
from tests.store.test_aggregate import store
from tests.unit.test_aggregate import ANSWERS

URL = "/staff/q/mini-agg/results"


@pytest.fixture()
def stored(db_session_factory):
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()


def test_results_page_shows_tables_charts_and_suppression(app, db_session_factory, stored):
    analyst = logged_in(app, db_session_factory, "ana@example.org", "analyst")
    response = analyst.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "20 responses" in html
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert any(src.endswith("/chart/q-problems.svg") for src, _ in images)
    assert all(alt.startswith("Bar chart:") for _, alt in images)
    # the table under the chart: Schimmel 15 of 20 (75 %), Keine 2: hidden
    block = html.split('id="q-problems"')[1].split("</figure>")[0]
    assert re.search(r"Schimmel</th><td class=\"num\">15</td><td class=\"num\">75 %", block)
    assert re.search(r"Keine</th><td class=\"num\"><abbr[^>]*>\.</abbr>", block)
    # district west (2) and sued (6) hidden, nord 12 shown
    district = html.split('id="chart-district"')[1].split("</figure>")[0]
    assert "<td class=\"num\">12</td>" in district and district.count(">.</abbr>") == 2
    assert "style=" not in html and "<script" not in html


def test_chart_is_svg_and_omits_suppressed_bars(app, db_session_factory, stored):
    analyst = logged_in(app, db_session_factory, "ana@example.org", "analyst")
    analyst.get(URL)
    response = analyst.get(URL + "/chart/q-problems.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Schimmel" in svg and "75 %" in svg
    assert response.headers["Cache-Control"] == "no-store"  # per-questionnaire: kept by no browser (issue 16)
    # 2 bars drawn (Schimmel, Lärm); the hidden one is marked "."
    assert svg.count('class="bar"') == 2
    assert ">.<" in svg or "> .<" in svg or "\n.</" in svg or ">.</text>" in svg
    assert analyst.get(URL + "/chart/q-nonexistent.svg").status_code == 404
    assert analyst.get(URL + "/chart/district.svg").status_code == 200


def test_aggregate_download_is_audited(app, db_session_factory, stored):
    analyst = logged_in(app, db_session_factory, "ana@example.org", "analyst")
    response = analyst.get(URL + "/aggregate.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith('\ufeff"question";"question_type";"section";"field";"option";"breakdown";"group";"n";"count";"share"')
    assert ';"."' in text
    from survey.store.audit import recent_events
    with db_session_factory() as session:
        assert any(e.action == "export" and e.detail.get("format") == "aggregate" for e in recent_events(session))


@pytest.mark.parametrize("roles", [("designer",), ("counsellor",)])
def test_only_analysts_see_results(app, db_session_factory, stored, roles):
    other = logged_in(app, db_session_factory, "other@example.org", *roles)
    assert other.get(URL).status_code == 403
    assert other.get(URL + "/chart/q-problems.svg").status_code == 403
    assert other.get("/staff/q/mini-agg/report").status_code == 403


def test_german_page(app, db_session_factory, stored):
    from tests.staff_helpers import Staff, make_user
    make_user(db_session_factory, "de@example.org", "analyst")
    german = Staff(app, language="de")
    german.login("de@example.org")
    html = german.get(URL).get_data(as_text=True)
    assert "Ergebnisse" in html
