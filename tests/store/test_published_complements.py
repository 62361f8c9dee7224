"""No published cell gives away its complement (issue 19): "26 of 27 Ukrainian speakers chose
Ukrainian advice" tells everyone what the one other person did. Every table the results page,
the council report and the exports publish, and the gap matrix, are checked: wherever a count is
shown with the total it is part of, neither the count nor the total minus it is 1 to 4."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pandas as pd

from survey.analysis.gap_source import gap_matrix_for
from survey.analysis.results import compute_results
from survey.analysis.suppression import SUPPRESSED
from survey.exports.aggregate_export import aggregate_csv
from survey.exports.report import render_report
from survey.files import GERMAN_EXCEL
from survey.store.models import Response
from survey.store.municipality import DistrictInfo, ensure_default_fields, save_districts
from survey.store.questionnaires import live_version

THRESHOLD = 5
SLUG = "needs-assessment"


def _respond(db, version, language: str, answers: dict) -> None:
    db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version.id,
                    language=language, channel="web", started_on=dt.date(2026, 11, 2), answers=answers))


def _campaign(db) -> None:
    """27 Ukrainian speakers of whom 26 want advice in Ukrainian; nearly everyone needs help
    with housing; a district where all but two need help with work."""
    ensure_default_fields(db)
    save_districts(db, [DistrictInfo("nord", "Nord"), DistrictInfo("mitte", "Mitte"), DistrictInfo("sued", "Süd")])
    version = live_version(db, SLUG)
    for i in range(27):
        _respond(db, version, "uk", {"district": "nord", "help_areas": ["housing", "work"] if i < 25 else ["housing"],
                                     "advice_language": ["uk"] if i < 26 else ["de"], "knows_where": "no"})
    for i in range(20):
        _respond(db, version, "ar", {"district": "mitte" if i < 14 else "sued", "help_areas": ["housing", "language"],
                                     "advice_language": ["ar", "de"] if i < 9 else ["ar"], "knows_where": "yes"})
    db.flush()


def _number(value: object) -> float | None:
    if value in (None, "", SUPPRESSED) or (isinstance(value, float) and pd.isna(value)):
        return None
    return float(str(value).replace(",", "."))


def _gives_away(count: object, total: object) -> bool:
    count, total = _number(count), _number(total)
    if count is None:
        return False
    small = 0 < count < THRESHOLD
    return small or (total is not None and 0 < total - count < THRESHOLD)


def test_no_published_table_gives_a_complement_away(db, bundled):
    _campaign(db)
    results = compute_results(db, SLUG, THRESHOLD)
    # The results page, the council report and the aggregate CSV: every question, breakdown, group.
    table = results.table
    offending = table[[_gives_away(c, n) for c, n in zip(table["count"], table["n"], strict=True)]]
    assert offending.empty, offending[["question", "option", "breakdown", "group", "n", "count"]].to_string()
    advice = table[(table.question == "advice_language") & (table.option == "uk") & (table.breakdown == "language")]
    assert advice[advice.group == "uk"]["count"].iloc[0] == SUPPRESSED  # the 26 of 27
    # Respondents who need help per field, of everyone.
    for count in results.by_field["count"]:
        assert not _gives_away(count, results.total)
    # District x field need matrix, of each district's n.
    matrix = results.need_by_district
    for _district, row in matrix.iterrows():
        for field in matrix.columns.drop("n"):
            assert not _gives_away(row[field], row["n"]), (row.name, field, row[field], row["n"])
    # The gap matrix and its export.
    gaps = gap_matrix_for(db, SLUG, THRESHOLD)
    for cell in (*gaps.cells, *gaps.totals):
        if not cell.suppressed:
            assert not _gives_away(cell.with_need, cell.respondents), cell
    frame = gaps.to_frame()
    for with_need, respondents in zip(frame["with_need"], frame["respondents"], strict=True):
        assert not _gives_away(with_need, respondents)
    # The aggregate CSV as downloaded (German Excel: semicolons, decimal commas).
    text, _count = aggregate_csv(db, SLUG, THRESHOLD, GERMAN_EXCEL)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows and not [r for r in rows if _gives_away(r["count"], r["n"])]

    # The council report's district x field table, as printed: every row's n minus each shown count.
    report = render_report(db, SLUG, THRESHOLD, "de", results=results)
    table_html = report.split("<tbody>")
    rows_checked = 0
    for body in table_html[1:]:
        for row in re.findall(r"<tr>(.*?)</tr>", body.split("</tbody>")[0]):
            cells = re.findall(r'<td class="num">([^<]*)</td>', row)
            if len(cells) == len(matrix.columns):  # n, then one count per field
                rows_checked += 1
                printed = [value if value == SUPPRESSED else value.replace(".", "") for value in cells]  # 1.234
                for value in printed[1:]:
                    assert not _gives_away(value, printed[0]), row
    assert rows_checked == len(matrix.index)
