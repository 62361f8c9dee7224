"""The CSV writer: column layout, multiple choice split, formula neutralisation, dialects."""
import csv
import datetime as dt
import io

from survey.exports.csv_export import ResponseRecord, iter_csv_text, write_csv
from survey.files import GERMAN_EXCEL, INTERNATIONAL, neutralize
from survey.questionnaire import load_questionnaire_text

FORM = """\
slug: mini
default_language: de
languages: [de]
title: {de: Mini}
sections:
  - code: s
    title: {de: S}
    questions:
      - {code: note, type: info, label: {de: Hinweis}}
      - code: help
        type: multiple_choice
        other: true
        label: {de: Hilfe}
        options:
          - {code: a, label: {de: A}}
          - {code: b, label: {de: B}}
          - {code: none, exclusive: true, label: {de: Keine}}
      - {code: size, type: number, min: -5, max: 9, label: {de: Zahl}}
      - {code: remark, type: text, label: {de: Text}}
"""


QUESTIONNAIRE = load_questionnaire_text(FORM).questionnaire


WHEN = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def export(answers_list, **kwargs):
    records = [ResponseRecord(f"r{i}", WHEN, "ar", 1, "web", answers) for i, answers in enumerate(answers_list)]
    out = io.StringIO()
    count = write_csv(out, [QUESTIONNAIRE], records, **kwargs)
    return count, out.getvalue()


def test_header_and_multiple_choice_columns():
    count, text = export([{"help": ["a", "other"], "help_other": "Arzt", "size": 3}, {}])
    assert count == 2
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["response_id", "submitted_at", "language", "help", "help/a", "help/b", "help/none",
                       "help/other", "help_other", "size", "remark", "questionnaire_version", "channel", "interviewer_entered"]
    assert rows[1] == ["r0", "2026-11-02T09:30:00+00:00", "ar", "a other", "1", "0", "0", "1", "Arzt", "3", "", "1", "web", "0"]
    assert rows[2][3:11] == ["", "", "", "", "", "", "", ""]  # not answered: empty, not 0


def test_formula_cells_are_neutralised_but_numbers_are_not():
    for dangerous in ("=1+1", "+49", "-cmd", "@SUM(A1)", "\tx", "\rx", "\nx"):
        assert neutralize(dangerous) == "'" + dangerous
    assert neutralize(-3) == -3 and neutralize("Arzt") == "Arzt"
    _count, text = export([{"remark": '=HYPERLINK("http://evil")', "size": -2}])
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[10] == "'=HYPERLINK(\"http://evil\")" and row[9] == "-2"


def test_semicolon_dialect_for_german_excel():
    _count, text = export([{"remark": "a;b", "size": -2}], dialect=GERMAN_EXCEL)
    assert text.splitlines()[0].startswith('"response_id";"submitted_at";"language";"help";')
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[10] == "a;b" and row[9] == "-2" and row[1] == "02.11.2026 09:30:00"


def test_the_streamed_download_starts_with_the_dialects_byte_order_mark():
    records = [ResponseRecord("r0", WHEN, "ar", 1, "web", {"remark": "Grüße"})]
    german = "".join(iter_csv_text([QUESTIONNAIRE], records, GERMAN_EXCEL))
    international = "".join(iter_csv_text([QUESTIONNAIRE], records, INTERNATIONAL))
    assert german.startswith("\ufeff\"response_id\";") and international.startswith('"response_id",')
    assert german.count("\ufeff") == 1
