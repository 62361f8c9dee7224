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
    csv_response = analyst.get("/staff/q/needs-assessment/gaps.csv")  # German Excel's dialect by default
    frame = pd.read_csv(io.BytesIO(csv_response.data), sep=";", encoding="utf-8-sig", dtype=str)
    nord = frame[(frame.district == "nord") & (frame.field == "housing")].iloc[0]
    assert (nord.respondents, nord.with_need, nord.offers) == ("9", "9", "1")
    assert frame[(frame.district == "sued")].respondents.eq(".").all()
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    assert designer.get("/staff/q/needs-assessment/gaps").status_code == 200
    assert designer.get("/staff/q/needs-assessment/gaps.csv").status_code == 403


def test_the_cli_writes_the_gap_matrix_in_the_dialect_asked_for(app, db_session_factory, bundled, tmp_path):
    """`survey export --format gap` ignored --delimiter (issue 18); every CSV of the CLI now
    takes --delimiter, --bom and --dialect, and the default stays the international dialect."""
    with db_session_factory() as db:
        ensure_default_fields(db)
        save_districts(db, [DistrictInfo("nord", "Nord"), DistrictInfo("sued", "Süd")])
        version = live_version(db, "needs-assessment")
        for _ in range(7):
            _store(db, version, "ar", _answers("nord", ["housing"]))
        for _ in range(5):
            _store(db, version, "ar", _answers("nord", ["work"]))
        db.commit()

    def export(*options: str) -> bytes:
        out = tmp_path / f"gaps{len(list(tmp_path.iterdir()))}.csv"
        result = app.test_cli_runner().invoke(args=["export", "needs-assessment", "--format", "gap", "--out", str(out), *options])
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    default = export()
    assert default.startswith(b'"district","district_name","field"') and b",0.5833," in default
    semicolon = export("--delimiter", ";")
    assert semicolon.startswith(b'"district";"district_name";"field"') and b";0.5833;" in semicolon
    german = export("--dialect", "excel-de")
    assert german.startswith(b'\xef\xbb\xbf"district";"district_name"') and b";0,5833;" in german
    assert "Süd" in german.decode("utf-8-sig")
    refused = app.test_cli_runner().invoke(args=["export", "needs-assessment", "--format", "gap", "--dialect", "excel-de",
                                                "--delimiter", ",", "--out", str(tmp_path / "x.csv")])
    assert refused.exit_code != 0 and "decimal separator" in refused.output
