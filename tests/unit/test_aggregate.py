"""Aggregated results: counts match the stored answers, small cells and the cells that would
give them back are suppressed, the threshold is never below 3."""
import csv
import datetime as dt
import io

import pandas as pd
import pytest

from survey.analysis.aggregate import aggregate, group_sizes, to_csv
from survey.analysis.frames import META_DISTRICT, build_frame, need_column
from survey.analysis.suppression import SUPPRESSED, ThresholdTooLow
from survey.questionnaire import load_questionnaire_text
from survey.web.config import SettingError, suppression_threshold

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


WHEN = dt.datetime(2026, 10, 5, 10, 0, tzinfo=dt.UTC)


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
    # 9 of nord's 12 chose mould: the 3 who did not would be given away by n minus the count.
    assert cell(table, "problems", "mould", "district", "nord") == SUPPRESSED
    assert cell(table, "problems", "noise", "district", "nord") == SUPPRESSED  # 3
    assert cell(table, "problems", "noise", "district", "nord", "n") == 12
    # No published number, and no published n minus a published number, is below the threshold.
    values = pd.to_numeric(table["count"].replace(SUPPRESSED, None), errors="coerce")
    sizes = pd.to_numeric(table["n"].replace(SUPPRESSED, None), errors="coerce")
    assert not ((values > 0) & (values < 5)).any()
    assert not ((sizes - values > 0) & (sizes - values < 5)).any()


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
    # 9 of the 10 Arabic speakers: the one who did not choose mould would be given away.
    assert cell(table, "problems", "mould", "language", "ar") == SUPPRESSED
    assert cell(table, "problems", "mould", "language", "de") == SUPPRESSED  # 6 of 10: 4 did not
    assert cell(table, "problems", "mould", "age", "young") == 9  # all 9: no one to give away
    assert cell(table, "problems", "noise", "age", "old") == SUPPRESSED  # 9 of 11: 2 did not
    assert set(table.breakdown) >= {"overall", "district", "field", "language", "age"}


def test_threshold_below_three_is_refused():
    with pytest.raises(ThresholdTooLow):
        aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 2)
    with pytest.raises(SettingError, match="at least 3"):
        suppression_threshold({"SUPPRESSION_THRESHOLD": 2})
    with pytest.raises(SettingError, match="whole number"):
        suppression_threshold({"SUPPRESSION_THRESHOLD": "five"})
    assert suppression_threshold({"SUPPRESSION_THRESHOLD": 3}) == 3


def test_a_higher_threshold_hides_more():
    table = aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 10)
    assert cell(table, "problems", "noise") == SUPPRESSED  # 9 < 10
    assert cell(table, "problems", "mould") == SUPPRESSED  # 15 of 20: the 5 who did not are < 10
    assert aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 5).pipe(cell, "problems", "mould") == 15


def test_csv_shows_dots_and_group_sizes_are_suppressed():
    text = to_csv(aggregate(frame_of(ANSWERS), QUESTIONNAIRE, 5))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0].keys() >= {"question", "option", "breakdown", "group", "n", "count", "share"}
    assert any(row["count"] == "." for row in rows)
    sizes = group_sizes(frame_of(ANSWERS), META_DISTRICT, 5)
    assert dict(zip(sizes.group, sizes["count"], strict=False)) == {"nord": 12, "sued": SUPPRESSED, "west": SUPPRESSED}


def test_frame_columns_agree_with_each_answer_taken_alone():
    """The frame is built a column at a time over the distinct answers (issue 18); each row still
    says what its answers say, whatever their kind: values of other types, unknown codes, a
    string where a list belongs, an empty list."""
    import random

    rng = random.Random(7)
    answer_list = []
    for _ in range(400):
        answers = {"district": rng.choice(["nord", "sued", "ost-neu", 3, None]),
                   "age": rng.choice(["young", "old", True, 1, "1", None]),
                   "flat_help": rng.choice(["yes", "no", True, 1, 1.0, None]),
                   "problems": rng.choice([["mould"], ["noise", "mould"], ["none"], [], "mould", None, ["x", 1]])}
        answer_list.append({k: v for k, v in answers.items() if v is not None})
    frame = build_frame(rows_for(answer_list), {1: QUESTIONNAIRE}, batch_size=150)
    for i, answers in enumerate(answer_list):
        row = frame.iloc[i]
        for code in ("district", "age", "flat_help"):
            column = META_DISTRICT if code == "district" else code
            expected = str(answers[code]) if code in answers else None
            assert (None if pd.isna(row[column]) else row[column]) == expected, (i, code, answers)
        chosen = answers.get("problems")
        assert row["problems"] == (chosen is not None)
        for option in ("mould", "noise", "none"):
            assert row[f"problems/{option}"] == (option in set(chosen or ())), (i, option, answers)
        assert row[need_column("housing")] == ("housing" in QUESTIONNAIRE.needs_of(answers)), (i, answers)


def test_a_condition_naming_several_answers_holds_row_by_row():
    import random

    import numpy as np

    from survey.analysis.frames import _Batch
    from survey.questionnaire.conditions.expression import parse_condition

    rng = random.Random(3)
    answers = [{"a": rng.choice(["x", "y", None, 2]), "b": rng.choice([["p"], ["p", "q"], [], None]),
                "c": rng.choice(["1", "2", "3", None])} for _ in range(300)]
    answers = [{k: v for k, v in given.items() if v is not None} for given in answers]
    for source in ("a == 'x' and count(b) + c > 2", "not (selected(b, 'q') or a == c) or answered(a)",
                   "(a == 'y') == selected(b, 'p')", "1 + 1 == 2", "c > 1 or 'q' in b"):
        condition = parse_condition(source)
        rows = np.arange(0, 300, 2)
        found = _Batch(answers).holds(condition, rows)
        assert found.tolist() == [condition.evaluate(answers[i]) for i in rows], source
