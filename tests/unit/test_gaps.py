"""The needs-versus-offers matrix on a synthetic data set whose right answer is known."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from survey.analysis.gaps import NO_DISTRICT, ResponseFacts, compute_gap_matrix, gap_level, wilson_interval
from survey.analysis.suppression import SUPPRESSED, ThresholdTooLow

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
        *people("b", 12, "prs", housing=5, work=7),  # 7 and 5 without need: both complements shown
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
    assert (total_housing.respondents, total_housing.with_need) == (41, 22)
    assert matrix.cell("", "work").with_need == 18 and not total_housing.suppressed


def test_small_districts_are_suppressed_with_a_second_so_totals_do_not_give_them_back():
    matrix = compute_gap_matrix(synthetic(), DISTRICTS, FIELDS, OFFERS)
    # c has 3 respondents: hidden. Alone, 41 minus the others would reveal it, so the
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


def test_a_need_count_whose_complement_is_small_is_hidden():
    """28 of a district's 30 need help: the 2 who do not would be given away by 30 - 28."""
    facts = [*people("a", 30, "de", work=28), *people("b", 30, "de", work=10), *people("c", 30, "de", work=12)]
    matrix = compute_gap_matrix(facts, DISTRICTS[:3], FIELDS, [])
    assert matrix.cell("a", "work").suppressed
    assert sum(matrix.cell(d, "work").suppressed for d in "abc") >= 2  # the column total gives none back
    everyone = [*people("a", 30, "de", work=30), *people("b", 30, "de", work=29)]
    matrix = compute_gap_matrix(everyone, DISTRICTS[:2], FIELDS, [])
    assert matrix.cell("", "work").suppressed  # 59 of 60 city-wide: the one without need
    assert not matrix.cell("", "housing").suppressed  # 0 of 60: nothing to give away
