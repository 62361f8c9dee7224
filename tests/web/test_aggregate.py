"""Aggregated results: counts match the stored answers, small cells and the cells that would
give them back are suppressed, the threshold is never below 3."""
import csv
import io
import re

import pytest

from survey.web.config import SettingError
from tests.store.test_aggregate import store
from tests.unit.test_aggregate import ANSWERS


def test_app_refuses_to_start_with_a_threshold_below_three(tmp_path):
    from survey.app import create_app

    with pytest.raises(SettingError, match="SURVEY_SUPPRESSION_THRESHOLD"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "SUPPRESSION_THRESHOLD": 1,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}, instance_path=str(tmp_path))


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
    assert (mould["n"], mould["count"]) == ("12", ".")  # 9 of 12: the 3 who did not would be given away


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
    text = analyst.get(download.group(1)).get_data(as_text=True)
    assert text.startswith("\ufeff")  # the export form's default: German Excel
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    noise = next(r for r in rows if r["question"] == "problems" and r["option"] == "noise" and r["breakdown"] == "overall")
    mould = next(r for r in rows if r["question"] == "problems" and r["option"] == "mould" and r["breakdown"] == "overall")
    # noise 9 (shown at 5, complement 11), mould 15 of 20 (its complement 5 is under 10).
    assert (noise["count"], mould["count"], mould["n"]) == (".", ".", "20")
