"""Every export format read back (pandas, openpyxl, pyreadstat) and compared to the stored
answers; filters; label language; formula neutralisation; background jobs and their staff pages;
the command line."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from survey.exports import jobs
from survey.exports.filters import parse_filter
from survey.exports.request import ExportRequest
from survey.store import export_jobs
from survey.store.models import AuditEvent, ExportJob
from tests.conftest import BUNDLED
from tests.staff_helpers import logged_in
from tests.store.test_export_formats import SLUG, add_responses


@pytest.fixture()
def stored(db, bundled):
    """The responses of tests/store/test_export_formats.py, stored."""
    add_responses(db)
    db.commit()
    return db


def test_the_staff_csv_download_keeps_streaming_with_filters(app, db_session_factory, stored):
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    response = analyst.get(f"/staff/q/{SLUG}/export.csv?delimiter=semicolon&district=nord&labels=labels&label_language=en")
    assert response.status_code == 200 and response.is_streamed
    frame = pd.read_csv(io.StringIO(response.get_data(as_text=True)), sep=";", dtype=str, keep_default_na=False)
    assert list(frame["response_id"]) == ["r1", "r3"] and set(frame["district"]) == {"Musterstadt North"}
    bad = analyst.get(f"/staff/q/{SLUG}/export.csv?date_from=2026-13-01")
    assert bad.status_code == 422 and "2026-13-01" in bad.get_data(as_text=True)


# --- background jobs and staff pages ------------------------------------------------------------


@pytest.fixture()
def inline_jobs(monkeypatch):
    """Jobs run inside the request: the test database is one connection, not for threads."""
    monkeypatch.setattr(jobs, "start_in_background", lambda factory, job_id, folder: jobs.run_job(factory, job_id, folder))


def test_analyst_starts_a_job_watches_it_and_downloads_the_file(app, db_session_factory, stored, inline_jobs):
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    form = analyst.get(f"/staff/q/{SLUG}/export").get_data(as_text=True)
    for expected in ('value="xlsx"', 'value="sav"', 'value="codebook"', 'name="district" value="nord"',
                     'name="channel" value="shelter-north"', 'name="label_language"'):
        assert expected in form
    started = analyst.post(f"/staff/q/{SLUG}/export", {"format": "xlsx", "labels": "labels", "label_language": "en",
                                                       "district": ["nord", "sued"]})
    assert started.status_code == 303
    job_url = started.headers["Location"]
    assert re.fullmatch(rf"/staff/q/{SLUG}/export/jobs/[0-9a-f-]{{36}}", job_url)
    page = analyst.get(job_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "/download" in page and "3 responses" in page
    download = analyst.get(job_url + "/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(download.get_data()), read_only=True)
    rows = list(workbook["data"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["r1", "r3", "r4"]
    assert rows[1][rows[0].index("district")] == "Musterstadt North"
    job = stored.scalar(select(ExportJob))
    assert job.status == "done" and job.rows_done == 3 and job.file_name.endswith(".xlsx")
    assert job.requested_by == "a@musterstadt.example" and job.options["filter"]["districts"] == ["nord", "sued"]
    actions = list(stored.scalars(select(AuditEvent.action).where(AuditEvent.actor == "a@musterstadt.example")))
    assert "export_started" in actions and "export_download" in actions
    listing = analyst.get(f"/staff/q/{SLUG}/export").get_data(as_text=True)
    assert job.public_id in listing
    # Another analyst neither sees nor downloads it.
    other = logged_in(app, db_session_factory, "b@musterstadt.example", "analyst")
    assert other.get(job_url).status_code == 404 and other.get(job_url + "/download").status_code == 404


def test_sav_job_and_codebook_download_through_the_staff_pages(app, db_session_factory, stored, inline_jobs):
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    started = analyst.post(f"/staff/q/{SLUG}/export", {"format": "sav", "language": "uk"})
    download = analyst.get(started.headers["Location"] + "/download")
    assert download.status_code == 200
    path = Path(app.config["EXPORT_DIR"]) / "check.sav"
    path.write_bytes(download.get_data())
    frame, _meta = pyreadstat.read_sav(str(path))
    assert list(frame["response_id"]) == ["r2"]
    codebook = analyst.post(f"/staff/q/{SLUG}/export", {"format": "codebook", "label_language": "en"})
    assert codebook.status_code == 303 and "/export/file?" in codebook.headers["Location"]
    book = analyst.get(codebook.headers["Location"])
    assert book.status_code == 200 and book.mimetype == "text/csv"
    assert "Musterstadt North" in book.get_data(as_text=True)
    audited = select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.detail["format"].as_string() == "codebook")
    assert stored.scalar(audited) is not None


def test_bad_form_input_is_shown_at_the_field(app, db_session_factory, stored, inline_jobs):
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    page = analyst.post(f"/staff/q/{SLUG}/export", {"format": "xlsx", "date_from": "2026-12-01", "date_to": "2026-11-01"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "The end date is before the start date." in html and 'href="#f-date_to"' in html
    assert 'value="2026-12-01"' in html  # nothing typed is lost
    assert stored.scalar(select(ExportJob)) is None


def test_a_running_job_page_refreshes_itself_and_a_dead_one_is_reported_failed(app, db_session_factory, stored):
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    job = jobs.create_job(stored, ExportRequest(SLUG, threshold=5), "sav", "a@musterstadt.example")
    job.status, job.rows_total, job.rows_done = "running", 4000, 1000
    job.options = {**job.options, "heartbeat": dt.datetime.now(dt.UTC).isoformat()}
    stored.commit()
    url = f"/staff/q/{SLUG}/export/jobs/{job.public_id}"
    html = analyst.get(url).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html and 'value="1000"' in html and "25 %" in html
    assert analyst.get(url + "/download").status_code == 404
    job.options = {**job.options, "heartbeat": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()}
    stored.commit()
    html = analyst.get(url).get_data(as_text=True)
    assert "http-equiv" not in html and "stopped unexpectedly" in html
    stored.refresh(job)
    assert job.status == "failed"


def test_old_jobs_and_their_files_are_deleted_when_a_new_one_starts(app, db_session_factory, stored, inline_jobs):
    folder = Path(app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    old = jobs.create_job(stored, ExportRequest(SLUG, threshold=5), "xlsx", "a@musterstadt.example")
    old.status, old.file_name = "done", "old-file.xlsx"
    old.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    (folder / "old-file.xlsx").write_bytes(b"x")
    stored.commit()
    old_id = old.public_id
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    response = analyst.post(f"/staff/q/{SLUG}/export", {"format": "xlsx"})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert not (folder / "old-file.xlsx").exists()
    stored.expire_all()  # the new job may reuse the old one's row id
    remaining = [(job.public_id, job.status) for job in stored.scalars(select(ExportJob))]
    assert len(remaining) == 1 and remaining[0][0] != old_id and remaining[0][1] == "done"


def test_an_export_file_past_its_retention_is_not_offered_before_the_clean_up_ran(app, db_session_factory, stored):
    folder = Path(app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    old = jobs.create_job(stored, ExportRequest(SLUG, threshold=5), "xlsx", "a@musterstadt.example")
    old.status, old.file_name, old.rows_done = "done", "old-file.xlsx", 3
    old.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=7, minutes=1)
    (folder / "old-file.xlsx").write_bytes(b"x")
    stored.commit()
    analyst = logged_in(app, db_session_factory, "a@musterstadt.example", "analyst")
    url = f"/staff/q/{SLUG}/export/jobs/{old.public_id}"
    assert analyst.get(url + "/download").status_code == 404
    assert "/download" not in analyst.get(url).get_data(as_text=True)
    assert old.public_id not in analyst.get(f"/staff/q/{SLUG}/export").get_data(as_text=True)
    assert (folder / "old-file.xlsx").exists()  # still on disk: only the clean-up deletes it


def test_only_analysts_reach_the_exports(app, db_session_factory, stored):
    job = jobs.create_job(stored, ExportRequest(SLUG, threshold=5), "xlsx", "d@musterstadt.example")
    stored.commit()
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer", "admin")
    for url in (f"/staff/q/{SLUG}/export", f"/staff/q/{SLUG}/export.csv", f"/staff/q/{SLUG}/export/file?format=codebook",
                f"/staff/q/{SLUG}/export/jobs/{job.public_id}", f"/staff/q/{SLUG}/export/jobs/{job.public_id}/download"):
        assert designer.get(url).status_code == 403, url
    assert designer.post(f"/staff/q/{SLUG}/export", {"format": "xlsx"}).status_code == 403
    assert stored.scalar(select(ExportJob).where(ExportJob.public_id != job.public_id)) is None


# --- command line and a real background thread -------------------------------------------------


@pytest.fixture()
def cli_env(tmp_path):
    from survey.app import main
    env = {"SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "SURVEY_EXPORT_DIR": str(tmp_path / "exports")}
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    sample_districts = str(BUNDLED.parent / "samples" / "musterstadt" / "districts.csv")
    assert runner.invoke(main, ["import-districts", sample_districts], env=env).exit_code == 0
    imported = runner.invoke(main, ["import", "--publish-without-legal-details", str(BUNDLED / "needs-assessment.yaml")], env=env)
    assert imported.exit_code == 0
    from survey.store.db import make_engine
    engine = make_engine(env["SURVEY_DATABASE_URL"])
    with Session(engine) as session:
        add_responses(session)
        session.commit()
    yield env, lambda args: runner.invoke(main, args, env=env), engine
    engine.dispose()


def test_cli_exports_every_format_with_filters_and_labels(cli_env, tmp_path):
    _env, run, _engine = cli_env
    out = tmp_path / "n.xlsx"
    result = run(["export", SLUG, "--format", "xlsx", "--labels", "labels", "--label-language", "en",
                  "--district", "nord", "--from", "2026-11-03", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 responses written" in result.output
    rows = list(openpyxl.load_workbook(out, read_only=True)["data"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "r3" and rows[1][rows[0].index("district")] == "Musterstadt North"
    result = run(["export", SLUG, "--format", "sav", "--language", "ar", "--language", "uk"])
    assert result.exit_code == 0, result.output
    written = Path(result.output.strip().splitlines()[-1])
    assert written.parent == tmp_path / "exports" and written.suffix == ".sav"
    frame, _meta = pyreadstat.read_sav(str(written))
    assert sorted(frame["response_id"]) == ["r1", "r2", "r4"]
    result = run(["export", SLUG, "--format", "codebook", "--label-language", "en", "--out", str(tmp_path / "book.csv")])
    assert result.exit_code == 0 and "variables described" in result.output
    assert "Musterstadt North" in (tmp_path / "book.csv").read_text(encoding="utf-8")
    result = run(["export", SLUG, "--format", "csv", "--channel", "shelter-north", "--version", "1", "--out", "-"])
    assert result.exit_code == 0 and list(pd.read_csv(io.StringIO(result.stdout), dtype=str)["response_id"]) == ["r2"]


def test_cli_exports_are_in_the_audit_log_with_command_format_and_filter(cli_env, tmp_path):
    _env, run, engine = cli_env
    assert run(["export", SLUG, "--format", "xlsx", "--district", "nord", "--language", "ar", "--from", "2026-11-03",
                "--labels", "labels", "--label-language", "en", "--out", str(tmp_path / "secret-maria" / "n.xlsx")]).exit_code == 0
    assert run(["export", SLUG, "--format", "csv", "--channel", "shelter-north", "--out", "-"]).exit_code == 0
    assert run(["export", SLUG, "--format", "csv", "--district", "atlantis"]).exit_code != 0  # refused: nothing exported
    with Session(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)).all()
    assert [(e.actor, e.target, e.detail["command"], e.detail["format"], e.detail["to"]) for e in events] == [
        ("cli", SLUG, "survey export", "xlsx", "file"), ("cli", SLUG, "survey export", "csv", "standard output")]
    first, second = (event.detail for event in events)
    assert first["filter"]["districts"] == ["nord"] and first["filter"]["languages"] == ["ar"]
    assert first["filter"]["date_from"] == "2026-11-03" and first["labels"] == "labels" and first["label_language"] == "en"
    assert second["filter"]["channels"] == ["shelter-north"] and second["rows"] == 1
    # What was exported, not where to (a path may name a person) and nothing of the answers.
    assert all("maria" not in repr(event.detail) and "r1" not in repr(event.detail) for event in events)


def test_cli_refuses_bad_input_with_a_clear_message(cli_env):
    _env, run, _engine = cli_env
    for args, message in [(["--format", "pdf"], "unknown format 'pdf'"),
                          (["--from", "2026-11-31"], "'2026-11-31' is not a date"),
                          (["--district", "atlantis"], "'atlantis' is not a district"),
                          (["--label-language", "klingon"], "'klingon' is not a known language"),
                          (["--version", "0"], "'0' is not a version")]:
        result = run(["export", SLUG, *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_a_job_runs_in_a_background_thread_with_its_own_sessions(cli_env, tmp_path):
    _env, _run, engine = cli_env
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        job = jobs.create_job(session, ExportRequest(SLUG, parse_filter(districts=["nord"]), threshold=5), "sav", "a@musterstadt.example")
        session.commit()
        public_id = job.public_id
    jobs.start_in_background(factory, public_id, tmp_path / "jobs").join(timeout=120)
    with factory() as session:
        job = export_jobs.find_job(session, public_id)
        assert job.status == "done", job.error
        assert job.rows_done == 2 and job.rows_total == 2 and job.finished_at is not None
        path = export_jobs.job_file(job, tmp_path / "jobs")
    assert path is not None and not list((tmp_path / "jobs").glob("*.part"))
    frame, _meta = pyreadstat.read_sav(str(path))
    assert list(frame["response_id"]) == ["r1", "r3"]


def test_a_failing_job_records_its_error(cli_env, tmp_path, monkeypatch):
    _env, _run, engine = cli_env
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        public_id = jobs.create_job(session, ExportRequest(SLUG, threshold=5), "xlsx", "a@musterstadt.example").public_id
        session.commit()

    def broken(prepared, path, progress=None):
        path.write_bytes(b"half")
        raise OSError("disk full")
    monkeypatch.setattr("survey.exports.xlsx_export.write_xlsx", broken)
    jobs.run_job(factory, public_id, tmp_path / "jobs")
    with factory() as session:
        job = export_jobs.find_job(session, public_id)
        assert job.status == "failed" and "disk full" in job.error and job.file_name is None
    assert list((tmp_path / "jobs").iterdir()) == []
