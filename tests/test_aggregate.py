"""Aggregated results: counts match the stored answers, small cells and the cells that would
give them back are suppressed, the threshold is never below 3."""
import csv
import datetime as dt
import io
import re
import uuid

import pandas as pd
import pytest

from survey.analysis.aggregate import aggregate, group_sizes, to_csv
from survey.analysis.frames import META_DISTRICT, build_frame, need_column, response_frame
from survey.analysis.suppression import SUPPRESSED, ThresholdTooLow
from survey.web.config import SettingError, suppression_threshold
from survey.exports.aggregate_export import aggregate_csv
from survey.store.models import Response
from survey.questionnaire import load_questionnaire_text
from survey.store.questionnaires import import_questionnaire

FORM = """\
slug: mini-agg
default_language: de
languages: [de, {code: en, partial: true}, {code: ar, partial: true}]
title: {de: Mini}
districts:
  - {code: nord, label: {de: Nord}}
  - {code: sued, label: {de: Süd}}
  - {code: west, label: {de: West}}
analysis:
  breakdowns: [age]
sections:
  - code: about
    title: {de: Über Sie}
    questions:
      - {code: district, type: district, label: {de: Stadtteil}}
      - code: age
        type: single_choice
        label: {de: Alter}
        options:
          - {code: young, label: {de: Jung}}
          - {code: old, label: {de: Alt}}
  - code: housing
    title: {de: Wohnen}
    field: housing
    need: "flat_help == 'yes'"
    questions:
      - {code: flat_help, type: yes_no, label: {de: "Hilfe bei der Wohnung?"}}
      - code: problems
        type: multiple_choice
        label: {de: Probleme}
        options:
          - {code: mould, label: {de: Schimmel}}
          - {code: noise, label: {de: Lärm}}
          - {code: none, exclusive: true, label: {de: Keine}}
      - code: satisfaction
        type: scale
        label: {de: Zufriedenheit}
        options:
          - {code: "1", label: {de: Schlecht}}
          - {code: "2", label: {de: Mittel}}
          - {code: "3", label: {de: Gut}}
      - {code: remark, type: text, label: {de: Bemerkung}}
"""
LOADED = load_questionnaire_text(FORM)
QUESTIONNAIRE = LOADED.questionnaire
WHEN = dt.datetime(2026, 10, 5, 10, 0, tzinfo=dt.timezone.utc)


def rows_for(answer_list, language="de"):
    return [(1, language, "web", WHEN, answers) for answers in answer_list]


def frame_of(answer_list):
    return build_frame(rows_for(answer_list), {1: QUESTIONNAIRE})


def cell(table, question, option, breakdown="overall", group="all", column="count"):
    found = table[(table.question == question) & (table.option == option) & (table.breakdown == breakdown)
                  & (table.group == group)]
    assert len(found) == 1, (question, option, breakdown, group)
    return found.iloc[0][column]


# 20 respondents: nord 12, sued 6, west 2.  flat_help: 17 yes / 3 no.
ANSWERS = (
    [{"district": "nord", "age": "young", "flat_help": "yes", "problems": ["mould"], "satisfaction": "1"}] * 9
    + [{"district": "nord", "age": "old", "flat_help": "no", "problems": ["noise"], "satisfaction": "3"}] * 3
    + [{"district": "sued", "age": "old", "flat_help": "yes", "problems": ["mould", "noise"], "satisfaction": "2"}] * 6
    + [{"district": "west", "age": "old", "flat_help": "yes", "problems": ["none"]}] * 2
)


def test_frame_has_meta_codes_and_need_columns():
    frame = frame_of(ANSWERS)
    assert len(frame) == 20
    assert frame[META_DISTRICT].value_counts()["nord"] == 12
    assert isinstance(frame["age"].dtype, pd.CategoricalDtype)
    assert frame["problems/mould"].sum() == 15 and frame["problems"].all()
    assert frame[need_column("housing")].sum() == 17
    assert "remark" not in frame  # open questions are not aggregated


def test_overall_counts_and_shares_match_the_answers():
    table = aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 5)
    assert cell(table, "problems", "mould", column="share") == pytest.approx(0.75)
    # yes/no: 17 yes, 3 no. The 3 is hidden, and so is the 17: n (20) minus it gives the 3.
    assert cell(table, "flat_help", "no") == SUPPRESSED and cell(table, "flat_help", "yes") == SUPPRESSED
    assert cell(table, "flat_help", "yes", column="n") == 20
    # satisfaction: 9 x "1", 6 x "2", 3 x "3"; the 2 in west left it out
    assert cell(table, "satisfaction", "1", column="n") == 18
    assert cell(table, "satisfaction", "3") == SUPPRESSED  # 3 < 5: primary
    # Single choice: counts add up to n, so one hidden cell would be given back by subtraction;
    # the smallest other (6) is hidden too.
    assert cell(table, "satisfaction", "2") == SUPPRESSED
    assert cell(table, "satisfaction", "1") == 9
    # Multiple choice: counts add up to nothing, so only the small cell goes.
    assert cell(table, "problems", "mould") == 15 and cell(table, "problems", "noise") == 9
    assert cell(table, "problems", "none") == SUPPRESSED


def test_small_groups_are_hidden_with_a_second_group_when_the_total_would_reveal_them():
    table = aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 5)
    # west has 2 respondents: hidden; district sizes add up to the overall n, so the next
    # smallest (sued, 6) is hidden too.
    assert cell(table, "flat_help", "yes", "district", "west", "n") == SUPPRESSED
    assert cell(table, "flat_help", "yes", "district", "sued", "n") == SUPPRESSED
    assert cell(table, "flat_help", "yes", "district", "sued") == SUPPRESSED
    assert cell(table, "problems", "mould", "district", "nord") == 9
    assert cell(table, "problems", "noise", "district", "nord") == SUPPRESSED  # 3
    assert cell(table, "problems", "noise", "district", "nord", "n") == 12
    # No published number is below the threshold.
    values = pd.to_numeric(table["count"].replace(SUPPRESSED, None), errors="coerce").dropna()
    assert not ((values > 0) & (values < 5)).any()


def test_column_totals_are_protected_in_a_partition():
    # age: young 9 (all nord), old 11. problems/noise by age: young 0, old 3 + 6 = 9; both
    # visible groups; overall noise 9. Now a cell hidden alone in a column (through row rules)
    # must take a second one with it: check no column of a partition has exactly one hidden cell.
    table = aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 5)
    for (question, breakdown), part in table.groupby(["question", "breakdown"]):
        if breakdown in ("overall", "field"):
            continue
        for option, column in part.groupby("option"):
            hidden = int((column["count"] == SUPPRESSED).sum())
            assert hidden != 1, (question, breakdown, option)


def test_field_breakdown_counts_respondents_with_a_need():
    table = aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 5)
    assert cell(table, "age", "young", "field", "housing", "n") == 17
    assert cell(table, "age", "young", "field", "housing") == 9
    assert cell(table, "age", "old", "field", "housing") == 8


def test_target_group_and_language_breakdowns():
    rows = rows_for(ANSWERS[:10], "ar") + rows_for(ANSWERS[10:], "de")
    table = aggregate(build_frame(rows, {1: QUESTIONNAIRE}), QUESTIONNAIRE, 5)
    assert cell(table, "problems", "mould", "language", "ar") == 9
    assert cell(table, "problems", "mould", "age", "young") == 9
    assert cell(table, "problems", "noise", "age", "old") == 9
    assert set(table.breakdown) >= {"overall", "district", "field", "language", "age"}


def test_threshold_below_three_is_refused():
    with pytest.raises(ThresholdTooLow):
        aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 2)
    with pytest.raises(SettingError, match="at least 3"):
        suppression_threshold({"SUPPRESSION_THRESHOLD": 2})
    with pytest.raises(SettingError, match="whole number"):
        suppression_threshold({"SUPPRESSION_THRESHOLD": "five"})
    assert suppression_threshold({"SUPPRESSION_THRESHOLD": 3}) == 3


def test_app_refuses_to_start_with_a_threshold_below_three(tmp_path):
    from survey.app import create_app

    with pytest.raises(SettingError, match="SURVEY_SUPPRESSION_THRESHOLD"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SUPPRESSION_THRESHOLD": 1,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}, instance_path=str(tmp_path))


def test_a_higher_threshold_hides_more():
    table = aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 10)
    assert cell(table, "problems", "noise") == SUPPRESSED  # 9 < 10
    assert cell(table, "problems", "mould") == 15


def test_csv_shows_dots_and_group_sizes_are_suppressed():
    text = to_csv(aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 5))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0].keys() >= {"question", "option", "breakdown", "group", "n", "count", "share"}
    assert any(row["count"] == "." for row in rows)
    sizes = group_sizes(frame_of(ANSWERS), META_DISTRICT, 5)
    assert dict(zip(sizes.group, sizes["count"])) == {"nord": 12, "sued": SUPPRESSED, "west": SUPPRESSED}


def store(db, answer_list, language="de"):
    import_questionnaire(db, LOADED)
    from survey.store.responses import _version_rows
    version_id = _version_rows(db, "mini-agg")[0].id
    for answers in answer_list:
        db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version_id,
                        language=language, channel="web", started_on=WHEN.date(), submitted_at=WHEN,
                        answers=answers))
    db.flush()


def test_counts_from_the_database_match_the_stored_answers(db):
    store(db, ANSWERS)
    frame = response_frame(db, "mini-agg")
    assert len(frame) == 20
    table = aggregate(frame, QUESTIONNAIRE, 5)
    assert cell(table, "problems", "mould") == 15
    assert cell(table, "satisfaction", "1") == 9
    content, count = aggregate_csv(db, "mini-agg", 5)
    assert count == 20
    row = next(r for r in csv.DictReader(io.StringIO(content))
               if r["question"] == "problems" and r["option"] == "noise" and r["breakdown"] == "overall")
    assert row["count"] == "9" and row["n"] == "20"


def test_export_command_writes_the_aggregate_format(app, db_session_factory, tmp_path):
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    out = tmp_path / "agg.csv"
    result = app.test_cli_runner().invoke(args=["export", "mini-agg", "--format", "aggregate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    mould = next(r for r in rows if r["question"] == "problems" and r["option"] == "mould" and r["breakdown"] == "overall")
    assert (mould["n"], mould["count"]) == ("20", "15")
    # a filter applies: only district nord (12 respondents)
    result = app.test_cli_runner().invoke(args=["export", "mini-agg", "--format", "aggregate", "--district", "nord",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    mould = next(r for r in rows if r["question"] == "problems" and r["option"] == "mould" and r["breakdown"] == "overall")
    assert (mould["n"], mould["count"]) == ("12", "9")


def test_a_background_export_uses_the_apps_threshold(app, db_session_factory, monkeypatch):
    """Configured to 10, a queued aggregate export hides the cell of 9 that 5 would show: the
    job takes the threshold the app was given, not one of its own (issue 15)."""
    from survey.exports import jobs
    from tests.staff_helpers import logged_in

    app.config["SUPPRESSION_THRESHOLD"] = 10
    with db_session_factory() as session:
        store(session, ANSWERS)
        session.commit()
    threads = []
    start = jobs.start_in_background  # a thread of its own: no app, no request around the job
    monkeypatch.setattr(jobs, "start_in_background", lambda *args: threads.append(start(*args)))
    analyst = logged_in(app, db_session_factory, "threshold@musterstadt.example", "analyst")
    response = analyst.post("/staff/q/mini-agg/export", {"format": "aggregate"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    threads[0].join(timeout=60)
    job_page = analyst.get(response.headers["Location"]).get_data(as_text=True)
    download = re.search(r'href="([^"]+/download)"', job_page)
    assert download, job_page[:1000]
    rows = list(csv.DictReader(io.StringIO(analyst.get(download.group(1)).get_data(as_text=True))))
    noise = next(r for r in rows if r["question"] == "problems" and r["option"] == "noise" and r["breakdown"] == "overall")
    mould = next(r for r in rows if r["question"] == "problems" and r["option"] == "mould" and r["breakdown"] == "overall")
    assert (noise["count"], mould["count"]) == (".", "15")
