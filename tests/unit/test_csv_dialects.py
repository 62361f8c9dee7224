"""The two CSV dialects (issue 18): German Excel's (semicolon, byte order mark, decimal comma,
31.12.2026) and the international one (comma, decimal point, ISO dates); formulas neutralised in
both; export options stored before dialects existed still load."""
import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from survey.exports.aggregate_export import frame_csv, recode_aggregate_csv
from survey.exports.request import ExportRequest
from survey.files import CSV_DIALECTS, GERMAN_EXCEL, INTERNATIONAL, CsvDialect

VALUES = ["Grüße", "=1+1", 0.25, np.float64(0.5), np.int64(3), 2.0, None, float("nan"), dt.date(2026, 11, 2),
          dt.datetime(2026, 11, 2, 10, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))), -1.5, "-1,5"]


def test_german_excel_writes_semicolons_decimal_commas_and_german_dates():
    text = GERMAN_EXCEL.text([VALUES])
    assert text == ('\ufeff"Grüße";"\'=1+1";0,25;0,5;3;2;"";"";"02.11.2026";"02.11.2026 09:05:00";-1,5;"\'-1,5"\r\n')


def test_the_international_dialect_is_what_pandas_reads_with_its_defaults():
    text = INTERNATIONAL.text([[f"c{i}" for i in range(len(VALUES))], VALUES])
    assert text.startswith('"c0","c1"')
    assert '0.25,0.5,3,2,"","","2026-11-02","2026-11-02T10:05:00+01:00",-1.5' in text
    frame = pd.read_csv(io.StringIO(text))
    assert frame["c2"].dtype == float and frame["c4"].dtype == np.int64 and frame.at[0, "c0"] == "Grüße"


def test_a_separator_that_is_also_the_decimal_separator_is_refused():
    with pytest.raises(ValueError, match="decimal separator"):
        GERMAN_EXCEL.with_overrides(delimiter=",")
    assert INTERNATIONAL.with_overrides(delimiter=";", bom=True) == CsvDialect("international", ";", True, ".", None)


def test_export_options_stored_before_dialects_load_as_what_those_jobs_wrote():
    old = {"filter": {}, "labels": "codes", "label_language": "de", "delimiter": ";", "bom": True, "extra": {},
           "threshold": 5}
    assert ExportRequest.from_options("s", old).csv_dialect == INTERNATIONAL.with_overrides(";", True)
    assert ExportRequest.from_options("s", {"threshold": 5}).csv_dialect == INTERNATIONAL
    for dialect in CSV_DIALECTS.values():
        request = ExportRequest("s", csv_dialect=dialect, threshold=5)
        assert ExportRequest.from_options("s", request.to_options()) == request


def test_a_pandas_table_is_written_in_the_dialect_and_its_text_neutralised():
    table = pd.DataFrame({"group": ["=Nord", "Süd"], "n": [12, "."], "share": [0.4167, None]})
    rows = list(csv.reader(io.StringIO(frame_csv(table, GERMAN_EXCEL).lstrip("\ufeff")), delimiter=";"))
    assert rows == [["group", "n", "share"], ["'=Nord", "12", "0,4167"], ["Süd", ".", ""]]


def test_a_stored_aggregate_is_given_out_in_the_chosen_dialect():
    stored = 'question,group,n,count,share\n"q1","1",12,5,0.4167\n"q1","\'=x",".",".","."\n'
    german = recode_aggregate_csv(stored, GERMAN_EXCEL)
    assert german == '\ufeff"question";"group";"n";"count";"share"\r\n"q1";"1";12;5;0,4167\r\n"q1";"\'=x";".";".";"."\r\n'
    assert list(csv.reader(io.StringIO(recode_aggregate_csv(stored, INTERNATIONAL))))[1] == ["q1", "1", "12", "5", "0.4167"]
