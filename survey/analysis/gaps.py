"""Needs versus offers per district and integration field: where needs meet no offer.

For every district x field: how many respondents, how many of them need help in the field (with
a 95 % Wilson interval for the share), how many published offers serve the cell, how many of
those give advice in a language the respondents with a need answered in, and a gap score that
ranks the cells. Respondent figures are suppressed for small groups (primary and secondary, see
``suppression``); offer counts describe providers, not people, and are always shown.

The matrix is computed from plain records and offers (no Flask); ``gap_matrix_for`` is the thin
reader that gets them from the database.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from survey.analysis.suppression import SUPPRESSED, checked_threshold, partition_mask
from survey.offers.matching import OfferLike, serves
from survey.questionnaire.model import Questionnaire

Z_95 = 1.959963984540054  # standard normal quantile for a two-sided 95 % interval
NO_DISTRICT = "-"  # respondents who gave no district, or one the city does not have
# Languages close enough that advice in one serves speakers of the other.
SAME_LANGUAGE = ({"fa", "prs"},)


@dataclass(frozen=True)
class ResponseFacts:
    """What the matrix needs of one response: its district, its language, its needs."""

    district: str
    language: str
    needs: frozenset[str]


@dataclass(frozen=True)
class GapCell:
    district: str
    field: str
    respondents: int
    with_need: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    offers: int
    offers_in_language: int
    gap_score: float | None
    suppressed: bool
    rank: int | None = None  # 1 = the largest gap among the cells shown


@dataclass(frozen=True)
class GapMatrix:
    districts: tuple[tuple[str, str], ...]  # (code, name), the city's order; NO_DISTRICT last
    fields: tuple[str, ...]
    cells: tuple[GapCell, ...]
    totals: tuple[GapCell, ...]  # the whole city, per field (district code "")
    threshold: int
    responses: int

    def cell(self, district: str, field: str) -> GapCell:
        return next(c for c in (*self.cells, *self.totals) if c.district == district and c.field == field)

    def to_frame(self, names: Mapping[str, str] | None = None) -> pd.DataFrame:
        """One row per cell (the city-wide totals last), suppressed figures as ``"."``."""
        district_names = dict(self.districts)
        rows = []
        for cell in (*self.cells, *self.totals):
            hidden = cell.suppressed
            rows.append({
                "district": cell.district or "all",
                "district_name": district_names.get(cell.district, "") if cell.district else "",
                "field": cell.field,
                "field_name": (names or {}).get(cell.field, ""),
                "respondents": SUPPRESSED if hidden else cell.respondents,
                "with_need": SUPPRESSED if hidden else cell.with_need,
                "share": SUPPRESSED if hidden or cell.share is None else round(cell.share, 4),
                "ci_low": SUPPRESSED if hidden or cell.ci_low is None else round(cell.ci_low, 4),
                "ci_high": SUPPRESSED if hidden or cell.ci_high is None else round(cell.ci_high, 4),
                "offers": cell.offers,
                "offers_in_language": SUPPRESSED if hidden else cell.offers_in_language,
                "gap_score": SUPPRESSED if hidden or cell.gap_score is None else round(cell.gap_score, 2),
                "gap_rank": "" if cell.rank is None else cell.rank,
            })
        return pd.DataFrame(rows)


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval: unlike the textbook p ± z·se it stays inside [0, 1] and is
    sensible for the small counts of single districts."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def gap_score(with_need: int, offers_in_language: int) -> float:
    """People with a need per offer they can use in their language (+1, so a cell without any
    offer ranks by its number of people in need rather than dividing by zero)."""
    return with_need / (1 + offers_in_language)


def _language_group(tag: str) -> set[str]:
    for group in SAME_LANGUAGE:
        if tag in group:
            return set(group)
    return {tag}


def facts_of(questionnaire: Questionnaire, language: str, answers: Mapping[str, Any], districts: set[str]) -> ResponseFacts:
    district = questionnaire.district_of(answers)
    return ResponseFacts(district if district in districts else NO_DISTRICT, language,
                         frozenset(questionnaire.needs_of(answers)))


def compute_gap_matrix(
    facts: Iterable[ResponseFacts],
    districts: Sequence[tuple[str, str]],
    fields: Sequence[str],
    offers: Sequence[OfferLike],
    threshold: int | None = None,
) -> GapMatrix:
    threshold = checked_threshold(threshold)
    codes = [code for code, _ in districts] + [NO_DISTRICT]
    respondents = dict.fromkeys(codes, 0)
    with_need = {(d, f): 0 for d in codes for f in fields}
    need_languages: dict[tuple[str, str], set[str]] = {}
    total = 0
    for item in facts:
        total += 1
        respondents[item.district] = respondents.get(item.district, 0) + 1
        for field in item.needs:
            if field in fields:
                with_need[(item.district, field)] = with_need.get((item.district, field), 0) + 1
                need_languages.setdefault((item.district, field), set()).update(_language_group(item.language))
                need_languages.setdefault(("", field), set()).update(_language_group(item.language))

    # Suppression. Whole districts with too few respondents (and, while the city total is
    # shown, one more so the total cannot give a lone hidden district back); then small need
    # counts, with the city-wide total per field as the published column total.
    sizes = pd.Series(respondents, dtype="int64")
    need_table = pd.DataFrame([[with_need[(d, f)] for f in fields] for d in codes], index=codes, columns=list(fields), dtype="int64")
    mask, _hidden = partition_mask(need_table, sizes, threshold)

    cells: list[GapCell] = []
    for d in codes:
        for f in fields:
            if d == NO_DISTRICT:
                serving: list[OfferLike] = []  # no district: only the city-wide row speaks of them
            else:
                serving = [o for o in offers if serves(o, f, d)]
            cells.append(_cell(d, f, respondents[d], with_need[(d, f)], serving,
                               need_languages.get((d, f), set()), bool(mask.loc[d, f])))
    totals = []
    city_hidden = total < threshold
    for f in fields:
        count = sum(with_need[(d, f)] for d in codes)
        serving = [o for o in offers if serves(o, f, None)]
        hidden = city_hidden or 0 < count < threshold or 0 < total - count < threshold
        totals.append(_cell("", f, total, count, serving, need_languages.get(("", f), set()), hidden))
    ranked = sorted((c for c in cells if not c.suppressed and c.district != NO_DISTRICT and c.with_need > 0),
                    key=lambda c: (-(c.gap_score or 0), -c.with_need, c.district, c.field))
    ranks = {(c.district, c.field): position for position, c in enumerate(ranked, start=1)}
    cells = [_with_rank(c, ranks.get((c.district, c.field))) for c in cells]
    return GapMatrix((*districts, (NO_DISTRICT, "")), tuple(fields), tuple(cells), tuple(totals), threshold, total)


def _with_rank(cell: GapCell, rank: int | None) -> GapCell:
    return cell if rank is None else GapCell(**{**cell.__dict__, "rank": rank})


def _cell(district: str, field: str, n: int, count: int, serving: list[OfferLike], languages: set[str], hidden: bool) -> GapCell:
    in_language = sum(1 for o in serving if languages & set(o.languages or []))
    share = count / n if n else None
    low, high = wilson_interval(count, n) if n else (None, None)
    return GapCell(district, field, n, count, share, low, high, len(serving), in_language,
                   gap_score(count, in_language) if n else None, hidden)


def gap_level(cell: GapCell, matrix: GapMatrix) -> str:
    """"high", "medium" or "low" for the heat map, by the cell's gap score relative to the
    largest shown (upper, middle, lower third of that range); "none" where nobody in the cell
    needs help; "" for hidden cells."""
    if cell.suppressed:
        return ""
    if cell.rank is None or not cell.gap_score:
        return "none"
    largest = max((c.gap_score or 0) for c in matrix.cells if c.rank is not None)
    relative = cell.gap_score / largest
    return "high" if relative > 2 / 3 else "medium" if relative > 1 / 3 else "low"
