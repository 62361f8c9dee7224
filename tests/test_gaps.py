"""The needs-versus-offers matrix on a synthetic data set whose right answer is known."""
from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field

import pandas as pd
import pytest

from survey.analysis.gap_source import NotANeedsQuestionnaire, gap_matrix_for
from survey.analysis.gaps import (NO_DISTRICT, ResponseFacts, compute_gap_matrix, gap_level,
                                  wilson_interval)
from survey.analysis.suppression import SUPPRESSED, ThresholdTooLow
from survey.store.models import Offer, Response
from survey.store.municipality import DistrictInfo, ensure_default_fields, save_districts
from survey.store.questionnaires import live_version, questionnaire_for_version

DISTRICTS = [("a", "Nord"), ("b", "Mitte"), ("c", "Süd"), ("d", "Ost")]
FIELDS = ["housing", "work"]


@dataclass
class FakeOffer:
    fields: list[str]
    districts: list[str] = field(default_factory=list)
    city_wide: bool = False
    languages: list[str] = field(default_factory=list)
    status: str = "published"


OFFERS = [
    FakeOffer(["housing"], city_wide=True, languages=["de", "ar"]),
    FakeOffer(["housing"], ["a"], languages=["uk"]),
    FakeOffer(["work"], ["b"], languages=["de"]),
]


def people(district: str, n: int, language: str, **needs: int) -> list[ResponseFacts]:
    """n respondents of a district; the first needs[field] of them need help in that field."""
    return [ResponseFacts(district, language, frozenset(f for f, k in needs.items() if i < k)) for i in range(n)]


def synthetic() -> list[ResponseFacts]:
    return [
        *people("a", 20, "ar", housing=12, work=2),
        *people("b", 10, "prs", housing=5, work=7),
        *people("c", 3, "tr", housing=1, work=3),
        *people("d", 6, "uk", housing=4, work=6),
    ]


def test_the_matrix_of_a_known_data_set():
    matrix = compute_gap_matrix(synthetic(), DISTRICTS, FIELDS, OFFERS)
    a_housing = matrix.cell("a", "housing")
    assert (a_housing.respondents, a_housing.with_need, a_housing.offers) == (20, 12, 2)
    assert a_housing.offers_in_language == 1  # the city-wide offer speaks Arabic, the other Ukrainian
    assert a_housing.share == pytest.approx(0.6)
    assert a_housing.gap_score == pytest.approx(12 / 2)
    b_work = matrix.cell("b", "work")
    # Advice only in German for Dari speakers: the offer exists but does not reach them.
    assert (b_work.with_need, b_work.offers, b_work.offers_in_language, b_work.gap_score) == (7, 1, 0, 7)
    b_housing = matrix.cell("b", "housing")
    assert (b_housing.offers, b_housing.offers_in_language, b_housing.gap_score) == (1, 0, 5)
    # Ranks: the largest gap first, only shown cells ranked.
    assert [b_work.rank, a_housing.rank, b_housing.rank] == [1, 2, 3]
    assert gap_level(b_work, matrix) == "high" and gap_level(a_housing, matrix) == "high"
    assert gap_level(matrix.cell("a", "housing"), matrix) == "high" and gap_level(matrix.cell("b", "housing"), matrix) == "high"
    # City-wide totals count everyone, hidden districts included.
    total_housing = matrix.cell("", "housing")
    assert (total_housing.respondents, total_housing.with_need) == (39, 22)
    assert matrix.cell("", "work").with_need == 18 and not total_housing.suppressed


def test_small_districts_are_suppressed_with_a_second_so_totals_do_not_give_them_back():
    matrix = compute_gap_matrix(synthetic(), DISTRICTS, FIELDS, OFFERS)
    # c has 3 respondents: hidden. Alone, 39 minus the others would reveal it, so the
    # smallest other district (d, 6 respondents) is hidden too.
    assert all(matrix.cell("c", f).suppressed and matrix.cell("d", f).suppressed for f in FIELDS)
    # a's work count of 2 is a small cell of its own; its column already hides c and d.
    assert matrix.cell("a", "work").suppressed and not matrix.cell("a", "housing").suppressed
    assert not matrix.cell("b", "work").suppressed
    frame = matrix.to_frame()
    c_row = frame[(frame.district == "c") & (frame.field == "housing")].iloc[0]
    assert c_row.respondents == SUPPRESSED and c_row.with_need == SUPPRESSED and c_row.share == SUPPRESSED
    assert c_row.offers == 1  # offers describe providers, not people: always shown
    assert matrix.cell("c", "housing").rank is None


def test_a_lone_small_need_count_gets_a_complement_in_its_column():
    facts = [*people("a", 30, "de", work=2), *people("b", 30, "de", work=9), *people("c", 30, "de", work=12)]
    matrix = compute_gap_matrix(facts, DISTRICTS[:3], FIELDS, [])
    hidden = [d for d in ("a", "b", "c") if matrix.cell(d, "work").suppressed]
    # 2 is hidden; 23 - 9 - 12 would give it back, so the smallest other (b, 9) goes too.
    assert hidden == ["a", "b"]
    assert not any(matrix.cell(d, "housing").suppressed for d in ("a", "b", "c"))  # zero needs: nothing to hide


def test_no_district_row_and_threshold_rules():
    facts = [*people("a", 8, "de", housing=6), *people(NO_DISTRICT, 7, "de", housing=5)]
    matrix = compute_gap_matrix(facts, DISTRICTS[:1], ["housing"], [FakeOffer(["housing"], city_wide=True, languages=["de"])])
    no_district = matrix.cell(NO_DISTRICT, "housing")
    assert no_district.respondents == 7 and no_district.offers == 0 and no_district.rank is None
    assert matrix.cell("", "housing").with_need == 11
    with pytest.raises(ThresholdTooLow):
        compute_gap_matrix(facts, DISTRICTS[:1], ["housing"], [], threshold=2)
    # A threshold of 10 hides both groups.
    strict = compute_gap_matrix(facts, DISTRICTS[:1], ["housing"], [], threshold=10)
    assert strict.cell("a", "housing").suppressed and strict.cell(NO_DISTRICT, "housing").suppressed


def test_gap_levels_are_thirds_of_the_largest_gap():
    facts = [*people("a", 30, "de", work=24), *people("b", 30, "de", work=12), *people("c", 30, "de", work=6)]
    matrix = compute_gap_matrix(facts, DISTRICTS[:3], ["work"], [])
    levels = [gap_level(matrix.cell(d, "work"), matrix) for d in ("a", "b", "c")]
    assert levels == ["high", "medium", "low"]  # scores 24, 12, 6: 1, 1/2, 1/4 of the largest
    assert [matrix.cell(d, "work").rank for d in ("a", "b", "c")] == [1, 2, 3]


def test_wilson_interval():
    low, high = wilson_interval(12, 20)
    assert low == pytest.approx(0.3866, abs=1e-4) and high == pytest.approx(0.7812, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)


# --- from the database, with the bundled needs questionnaire ---------------------------------

def _answers(district: str, help_areas: list[str], **extra) -> dict:
    return {"district": district, "help_areas": help_areas, **extra}


def _store(db, version, language: str, answers: dict) -> None:
    db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version.id,
                    language=language, channel="web", started_on=dt.date(2026, 11, 2), answers=answers))


def test_needs_declared_in_the_bundled_questionnaire(db, bundled):
    model = questionnaire_for_version(live_version(db, "needs-assessment"))
    assert {s.field for s in model.need_sections()} == {"language", "education", "work", "housing", "health", "legal", "participation"}
    assert model.needs_of(_answers("nord", ["housing", "work"])) == ("work", "housing")
    # A field-specific answer counts even when the field was not ticked among the areas.
    assert model.needs_of(_answers("nord", ["none"], housing_help=["finding_flat"])) == ("housing",)
    assert model.needs_of(_answers("nord", ["none"], housing_help=["none"])) == ()


def test_gap_matrix_from_stored_responses_and_offers(db, bundled):
    ensure_default_fields(db)
    save_districts(db, [DistrictInfo("nord", "Nord"), DistrictInfo("mitte", "Mitte"), DistrictInfo("sued", "Süd")])
    version = live_version(db, "needs-assessment")
    for _ in range(8):
        _store(db, version, "ar", _answers("nord", ["housing"]))
    for _ in range(6):
        _store(db, version, "uk", _answers("mitte", ["work"], work_help=["recognition"]))
    _store(db, version, "fa", _answers("sued", ["housing"]))
    _store(db, version, "de", _answers("unknown", ["housing"]))
    db.add(Offer(provider_name="Fiktiver Verein", provider_kind="mso", title={"de": "Wohnberatung"}, description={},
                 fields=["housing"], districts=["nord"], languages=["ar"], status="published"))
    db.add(Offer(provider_name="Fiktiv", provider_kind="other", title={"de": "Entwurf"}, description={},
                 fields=["work"], city_wide=True, languages=["uk"], status="pending"))  # not published: not counted
    db.flush()
    matrix = gap_matrix_for(db, "needs-assessment")
    nord = matrix.cell("nord", "housing")
    assert (nord.respondents, nord.with_need, nord.offers, nord.offers_in_language) == (8, 8, 1, 1)
    assert matrix.cell("mitte", "work").offers == 0 and matrix.cell("mitte", "work").with_need == 6
    # sued has 1 respondent, the "unknown" answer 1: both hidden, as one hidden group
    # needs a second.
    assert matrix.cell("sued", "housing").suppressed and matrix.cell(NO_DISTRICT, "housing").suppressed
    assert matrix.cell("", "housing").with_need == 10 and matrix.responses == 16
    frame = matrix.to_frame()
    out = io.StringIO()
    frame.to_csv(out, index=False)
    back = pd.read_csv(io.StringIO(out.getvalue()), dtype=str)
    assert set(back.columns) >= {"district", "field", "respondents", "with_need", "share", "ci_low", "ci_high",
                                 "offers", "offers_in_language", "gap_score", "gap_rank"}
    assert back[(back.district == "sued") & (back.field == "housing")].iloc[0].respondents == "."


def test_a_questionnaire_without_needs_has_no_matrix(db, bundled):
    with pytest.raises(NotANeedsQuestionnaire):
        gap_matrix_for(db, "offer-inventory")
    with pytest.raises(LookupError):
        gap_matrix_for(db, "nope")


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
