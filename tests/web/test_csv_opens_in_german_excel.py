"""Every CSV the staff area gives out opens as a table in German Excel by default (issue 18), and
its international variant is what R, Stata and pandas read with their defaults.

German Excel opening a CSV with a double click splits on the German list separator ";", reads the
file as UTF-8 only when it starts with a byte order mark, and reads numbers with a decimal comma
and dates as 31.12.2026. The test checks the mark and has LibreOffice (headless, German locale,
separator ";", UTF-8) convert each file to .xlsx, then reads the cells back: the right number of
columns, numbers as numbers, dates as dates, umlauts and Arabic intact.

Before, the raw answers came as comma-separated UTF-8 without a mark (one column, broken umlauts)
and the aggregates with decimal points (shares became text). `make test` installs Debian's
libreoffice-calc-nogui; without it the test is skipped unless SURVEY_REQUIRE_OFFICE=1 (CI).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pandas as pd

from survey.analysis.aggregate import COLUMNS as AGGREGATE_COLUMNS
from survey.exports import jobs
from survey.exports.codebook import HEADER as CODEBOOK_HEADER
from survey.exports.variables import Schema
from survey.questionnaire import load_questionnaire_text
from survey.store.models import Response
from survey.store.questionnaires import find_questionnaire, import_questionnaire, set_closed
from survey.store.responses import _version_rows
from survey.store.sample import load_sample
from tests.staff_helpers import logged_in

BOM = b"\xef\xbb\xbf"
SLUG = "wohnen"
GERMAN, ARABIC = "Grüße aus Köln, Straße", "مرحبا بكم"
FORM = f"""\
slug: {SLUG}
default_language: de
languages: [de, ar]
title: {{de: Wohnen in Musterstadt, ar: السكن}}
districts:
  - {{code: nord, label: {{de: Musterstadt-Nord, ar: الشمال}}}}
  - {{code: sued, label: {{de: Musterstadt-Süd, ar: الجنوب}}}}
sections:
  - code: about
    title: {{de: Über Sie, ar: عنك}}
    questions:
      - {{code: district, type: district, label: {{de: Stadtteil, ar: الحي}}}}
      - code: kind
        type: single_choice
        label: {{de: Wohnform, ar: نوع السكن}}
        options:
          - {{code: flat, label: {{de: Eigene Wohnung, ar: شقة خاصة}}}}
          - {{code: shelter, label: {{de: Übergangswohnheim, ar: سكن مؤقت}}}}
      - {{code: rooms, type: number, decimals: true, min: 0, max: 20, label: {{de: Zimmer je Person, ar: غرف}}}}
      - {{code: arrived, type: date, label: {{de: Ankunft in Musterstadt, ar: الوصول}}}}
  - code: housing
    title: {{de: Wohnen, ar: السكن}}
    field: housing
    need: "kind == 'shelter'"
    questions:
      - {{code: remark, type: text, label: {{de: Bemerkung, ar: ملاحظة}}}}
"""
# LibreOffice's CSV filter: separator ";" (59), text in '"' (34), UTF-8 (76), from line 1,
# standard column types, German (1031): what German Excel does with a double click.
GERMAN_EXCEL_FILTER = "CSV:59,34,76,1,,1031"


def _store(db_session_factory) -> None:
    with db_session_factory() as session:
        load_sample(session)  # the fictional city's districts, fields and 30 offers
        import_questionnaire(session, load_questionnaire_text(FORM))
        version_id = _version_rows(session, SLUG)[0].id
        for number in range(24):
            answers = {"district": "nord" if number % 3 else "sued", "kind": "shelter" if number % 2 else "flat",
                       "rooms": [0.5, 1.25, 2.0, 0.75][number % 4], "arrived": f"2026-{1 + number % 9:02d}-{1 + number:02d}",
                       "remark": [GERMAN, ARABIC, "=1+1"][number % 3]}
            session.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version_id,
                                 language="ar" if number % 2 else "de", channel="web", started_on=dt.date(2026, 11, 2),
                                 submitted_at=dt.datetime(2026, 11, 2, 10, number, tzinfo=dt.UTC), answers=answers))
        session.commit()


def _job_download(staff, form: dict[str, str]) -> bytes:
    response = staff.post(f"/staff/q/{SLUG}/export", form)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    return staff.get(re.search(r'href="([^"]+/download)"', page).group(1)).data


def _downloads(app, db_session_factory, monkeypatch, query: str = "") -> dict[str, bytes]:
    """Every CSV the staff area offers, as downloaded (``query``: "dialect=international")."""
    # A background job runs at once, in the request's thread: the test's database is one connection.
    monkeypatch.setattr(jobs, "start_in_background", lambda factory, job_id, folder: jobs.run_job(factory, job_id, folder))
    _store(db_session_factory)
    staff = logged_in(app, db_session_factory, f"tabellen{len(query)}@musterstadt.example", "analyst", "designer", "admin")
    sep = "&" if query else ""
    urls = {
        "answers.csv": f"/staff/q/{SLUG}/export.csv?{query}",
        "answers-labels-ar.csv": f"/staff/q/{SLUG}/export.csv?labels=labels&label_language=ar{sep}{query}",
        "codebook.csv": f"/staff/q/{SLUG}/export/file?format=codebook{sep}{query}",
        "gap-export.csv": f"/staff/q/{SLUG}/export/file?format=gap{sep}{query}",
        "results-aggregate.csv": f"/staff/q/{SLUG}/results/aggregate.csv?{query}",
        "gaps.csv": f"/staff/q/{SLUG}/gaps.csv?{query}",
        "offers.csv": f"/staff/offers/export.csv?{query}",
    }
    files = {}
    for name, url in urls.items():
        response = staff.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv", (url, response.get_data(as_text=True)[:300])
        files[name] = response.data
    form = {"format": "aggregate", **({"dialect": "international"} if query else {})}
    files["aggregate-job.csv"] = _job_download(staff, form)
    # The aggregate kept when a closed questionnaire's raw answers are deleted.
    with db_session_factory() as session:
        set_closed(session, find_questionnaire(session, SLUG), True)
        session.commit()
    assert staff.post(f"/staff/q/{SLUG}/delete-responses", {"confirm": "yes"}).status_code == 302
    response = staff.get(f"/staff/q/{SLUG}/results/snapshot.csv?{query}")
    assert response.status_code == 200
    files["snapshot.csv"] = response.data
    return files


def _expected_columns() -> dict[str, int]:
    answers = len(Schema([load_questionnaire_text(FORM).questionnaire]).header())
    return {"answers.csv": answers, "answers-labels-ar.csv": answers, "codebook.csv": len(CODEBOOK_HEADER),
            "gap-export.csv": 13, "gaps.csv": 13, "results-aggregate.csv": len(AGGREGATE_COLUMNS),
            "aggregate-job.csv": len(AGGREGATE_COLUMNS), "snapshot.csv": len(AGGREGATE_COLUMNS)}


GAP_NUMBERS = ["respondents", "with_need", "share", "ci_low", "ci_high", "offers", "offers_in_language", "gap_score"]
NUMBERS = {
    "answers.csv": ["rooms", "questionnaire_version", "interviewer_entered"],
    "answers-labels-ar.csv": ["rooms"],
    "codebook.csv": ["required"],
    "gap-export.csv": GAP_NUMBERS, "gaps.csv": GAP_NUMBERS,
    "results-aggregate.csv": ["n", "count", "share"], "aggregate-job.csv": ["n", "count", "share"],
    "snapshot.csv": ["n", "count", "share"],
    "offers.csv": ["id"],
}
DATES = {"answers.csv": ["submitted_at", "arrived"], "answers-labels-ar.csv": ["submitted_at", "arrived"],
         "offers.csv": ["last_verified_on"]}
# Text that must arrive intact (umlauts, Arabic), per file.
TEXTS = {"answers.csv": [GERMAN, ARABIC], "answers-labels-ar.csv": ["سكن مؤقت", GERMAN],
         "codebook.csv": ["Über Sie", "Übergangswohnheim"], "gap-export.csv": ["Musterstadt-Süd"],
         "gaps.csv": ["Musterstadt-Süd"], "offers.csv": ["Migrationsberatung für Erwachsene", "استشارة الهجرة للبالغين"]}
# Columns where a decimal fraction must appear (so a decimal comma was read as one).
FRACTIONS = {"answers.csv": "rooms", "results-aggregate.csv": "share", "aggregate-job.csv": "share",
             "snapshot.csv": "share", "gaps.csv": "share", "gap-export.csv": "share"}


def _open_in_german_excel(soffice: str, files: dict[str, bytes], out: Path) -> dict[str, list[list[openpyxl.cell.Cell]]]:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{out / 'profile'}",
                    f"--infilter={GERMAN_EXCEL_FILTER}", "--convert-to", "xlsx", "--outdir", str(out / "xlsx"),
                    *(str(out / name) for name in files)], check=True, capture_output=True, timeout=300)
    return {name: [list(row) for row in openpyxl.load_workbook(out / "xlsx" / f"{Path(name).stem}.xlsx").active.iter_rows()]
            for name in files}


def test_every_staff_csv_opens_in_german_excel_by_default(app, db_session_factory, monkeypatch, tmp_path, office):
    files = _downloads(app, db_session_factory, monkeypatch)
    assert set(files) == set(NUMBERS)
    for name, data in files.items():
        assert data.startswith(BOM), name  # Excel reads the file as UTF-8 only with the mark
    sheets = _open_in_german_excel(office, files, tmp_path)
    expected = _expected_columns()
    for name, rows in sheets.items():
        header = [cell.value for cell in rows[0]]
        assert all(header), (name, header)  # every column named: not one column, none spilled over
        if name in expected:
            assert len(header) == expected[name], (name, header)
        assert len(rows) > 2, name
        column = {title: index for index, title in enumerate(header)}
        for title in NUMBERS.get(name, []):
            values = [row[column[title]] for row in rows[1:] if row[column[title]].value not in (None, ".")]
            assert values, (name, title)
            text = [cell.value for cell in values if cell.data_type != "n" or cell.is_date]
            assert text == [], (name, title, text[:5])
        for title in DATES.get(name, []):
            values = [row[column[title]] for row in rows[1:] if row[column[title]].value is not None]
            assert values and all(cell.is_date for cell in values), (name, title, [c.value for c in values[:5]])
        if name in FRACTIONS:
            numbers = [row[column[FRACTIONS[name]]].value for row in rows[1:]]
            assert any(isinstance(value, float) and not value.is_integer() for value in numbers), (name, numbers[:10])
        cells = {str(cell.value) for row in rows for cell in row if cell.value is not None}
        for text in TEXTS.get(name, []):
            assert any(text in cell for cell in cells), (name, text)
        assert not [value for value in cells if value.startswith(("=", "+", "@"))], name  # formulas stay text
    arrived = {row[column].value for row in sheets["answers.csv"][1:]
               for column in [[c.value for c in sheets["answers.csv"][0]].index("arrived")]}
    assert dt.datetime(2026, 1, 1) in arrived  # 01.01.2026, not 2026-01-01 as text nor the 1st of some month


def test_the_international_csvs_are_what_pandas_reads_with_its_defaults(app, db_session_factory, monkeypatch):
    files = _downloads(app, db_session_factory, monkeypatch, "dialect=international")
    expected = _expected_columns()
    for name, data in files.items():
        assert not data.startswith(BOM), name
        frame = pd.read_csv(io.BytesIO(data))
        if name in expected:
            assert len(frame.columns) == expected[name], (name, list(frame.columns))
        for title in NUMBERS.get(name, []):
            shown = frame[title].dropna()
            shown = shown[shown.astype(str) != "."]  # "." : a suppressed cell
            assert pd.to_numeric(shown, errors="coerce").notna().all(), (name, title)
            if "." not in set(frame[title].astype(str)):
                assert pd.api.types.is_numeric_dtype(frame[title]), (name, title, frame[title].dtype)
        for title in DATES.get(name, []):
            assert pd.to_datetime(frame[title].dropna(), format="ISO8601").notna().all(), (name, title)
        text = " ".join(map(str, frame.to_numpy().ravel()))
        for expected_text in TEXTS.get(name, []):
            assert expected_text in text, (name, expected_text)
    answers = pd.read_csv(io.BytesIO(files["answers.csv"]))
    assert answers["rooms"].dtype == float and set(answers["rooms"]) == {0.5, 1.25, 2.0, 0.75}
    assert answers["arrived"].iloc[0] == "2026-01-01"
