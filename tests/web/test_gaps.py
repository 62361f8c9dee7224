"""The needs-versus-offers matrix on a synthetic data set whose right answer is known."""
from __future__ import annotations

import io

import pandas as pd

from survey.store.models import Offer
from survey.store.municipality import DistrictInfo, ensure_default_fields, save_districts
from survey.store.questionnaires import live_version
from tests.store.test_gaps import _answers, _store


def test_heat_map_drill_down_and_csv_for_staff(app, db_session_factory, bundled):
    from tests.staff_helpers import logged_in

    with db_session_factory() as db:
        ensure_default_fields(db)
        save_districts(db, [DistrictInfo("nord", "Nord"), DistrictInfo("mitte", "Mitte"), DistrictInfo("sued", "Süd")])
        version = live_version(db, "needs-assessment")
        for _ in range(9):
            _store(db, version, "ar", _answers("nord", ["housing"]))
        for _ in range(7):
            _store(db, version, "uk", _answers("mitte", ["work"]))
        for _ in range(2):
            _store(db, version, "fa", _answers("sued", ["housing"]))
        db.add(Offer(provider_name="Verein <b>Beispiel</b>", provider_kind="mso", title={"de": "Wohnberatung =1+1"},
                     description={}, fields=["housing"], districts=["nord"], languages=["ar"], status="published"))
        db.commit()
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    page = analyst.get("/staff/q/needs-assessment/gaps")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Gap: high" in html and "9 / 9" in html and "Too few respondents" in html
    assert html.count('class="gap gap-hidden"') >= 2  # sued and, as its complement, mitte... or "not given"
    cell = analyst.get("/staff/q/needs-assessment/gaps/nord/housing").get_data(as_text=True)
    assert "Wohnberatung =1+1" in cell and "Verein &lt;b&gt;Beispiel&lt;/b&gt;" in cell
    assert analyst.get("/staff/q/needs-assessment/gaps/nowhere/housing").status_code == 404
    csv_response = analyst.get("/staff/q/needs-assessment/gaps.csv")
    frame = pd.read_csv(io.StringIO(csv_response.get_data(as_text=True)), dtype=str)
    nord = frame[(frame.district == "nord") & (frame.field == "housing")].iloc[0]
    assert (nord.respondents, nord.with_need, nord.offers) == ("9", "9", "1")
    assert frame[(frame.district == "sued")].respondents.eq(".").all()
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    assert designer.get("/staff/q/needs-assessment/gaps").status_code == 200
    assert designer.get("/staff/q/needs-assessment/gaps.csv").status_code == 403
