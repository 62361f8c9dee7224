"""The ``survey`` console command: init twice, import, list, export; a rejected file stores nothing."""
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from survey.app import main
from survey.store.models import QuestionnaireVersion
from tests.conftest import ROOT


def run(args, env):
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result


def test_init_import_list_export_on_a_fresh_sqlite_database(tmp_path):
    env = {"SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "SURVEY_EXPORT_DIR": str(tmp_path / "exports")}
    for _ in range(2):  # running init twice is harmless
        result = run(["init"], env)
        assert result.exit_code == 0, result.output
    needs = str(ROOT / "questionnaires" / "needs-assessment.yaml")
    # The bundled questionnaire offers the city's district list: not before the city has one.
    result = CliRunner().invoke(main, ["import", "--publish-without-legal-details", needs], env=env)
    assert result.exit_code == 1 and "nothing was imported" in result.output and "the city has no districts yet" in result.output
    assert "survey import-districts" in result.output
    result = run(["import-districts", str(ROOT / "samples" / "musterstadt" / "districts.csv")], env)
    assert result.exit_code == 0, result.output
    result = run(["import", "--publish-without-legal-details", needs], env)
    assert result.exit_code == 0 and result.output.startswith("needs-assessment\timported as version 1")
    result = run(["import", "--publish-without-legal-details", str(ROOT / "questionnaires")], env)
    assert "needs-assessment\tunchanged, version 1" in result.output and "offer-inventory\timported as version 1" in result.output
    result = run(["list"], env)
    assert "needs-assessment\t1\t0\t" in result.output
    result = run(["export", "needs-assessment", "--format", "csv", "--bom", "--delimiter", ";"], env)
    assert result.exit_code == 0
    written = Path(result.output.strip().splitlines()[-1])
    assert written.parent == tmp_path / "exports"
    raw = written.read_bytes()
    assert raw.startswith(b'\xef\xbb\xbf"response_id";"submitted_at";"language";"district";')
    assert (tmp_path / "instance" / "secret_key").exists()
    result = CliRunner().invoke(main, ["export", "nope"], env=env)
    assert result.exit_code != 0 and "no questionnaire with the slug 'nope'" in result.output


def test_a_rejected_file_changes_nothing(tmp_path):
    env = {"SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    run(["init"], env)
    broken = tmp_path / "broken.yaml"
    broken.write_text((ROOT / "questionnaires" / "offer-inventory.yaml").read_text().replace("type: text", "type: txt", 1))
    result = CliRunner().invoke(main, ["import", str(ROOT / "questionnaires" / "needs-assessment.yaml"), str(broken)], env=env)
    assert result.exit_code == 1
    assert "broken.yaml:" in result.output and "Unknown question type 'txt'" in result.output
    assert "nothing was imported" in result.output
    from sqlalchemy.orm import Session

    from survey.store.db import make_engine
    with Session(make_engine(env["SURVEY_DATABASE_URL"])) as session:
        assert session.scalar(select(func.count(QuestionnaireVersion.id))) == 0


def test_create_user_reads_the_password_from_stdin_and_the_first_admin_is_made_once(tmp_path):
    from sqlalchemy.orm import Session

    from survey.store import accounts
    from survey.store.db import make_engine

    url = f"sqlite:///{tmp_path / 'u.db'}"
    env = {"SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), "SURVEY_DATABASE_URL": url}
    run(["init"], env)
    runner = CliRunner()
    result = runner.invoke(main, ["create-user", "Analyst@Musterstadt.example", "--role", "analyst", "--role", "designer",
                                  "--password-stdin"], env=env, input="a long enough secret\n")
    assert result.exit_code == 0 and "created analyst@musterstadt.example (analyst designer)" in result.output
    short = runner.invoke(main, ["create-user", "b@musterstadt.example", "--role", "analyst", "--password-stdin"], env=env, input="short\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    first = run(["create-first-admin"], env)
    assert first.output == ""  # an account exists already: nothing happens

    fresh = {**env, "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}"}
    run(["init"], fresh)
    first = run(["create-first-admin"], fresh)
    password = first.output.split("One-time password:")[1].split()[0]
    assert run(["create-first-admin"], fresh).output == ""
    engine = make_engine(fresh["SURVEY_DATABASE_URL"])
    with Session(engine) as session:
        login = accounts.authenticate(session, "admin@musterstadt.example", password)
        assert login.ok and login.user.must_change_password and login.user.role_set == {"admin", "designer", "analyst"}
    engine.dispose()


def test_publishing_from_the_command_line_waits_for_the_legal_details(tmp_path):
    env = {"SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    run(["init"], env)
    needs = str(ROOT / "questionnaires" / "needs-assessment.yaml")
    run(["import-districts", str(ROOT / "samples" / "musterstadt" / "districts.csv")], env)
    result = CliRunner().invoke(main, ["import", needs], env=env)
    assert result.exit_code == 1
    assert "nothing was imported: an import publishes, and the city's legal details are incomplete (municipality_name" in result.output
    from sqlalchemy.orm import Session

    from survey.store.db import make_engine
    engine = make_engine(env["SURVEY_DATABASE_URL"])
    with Session(engine) as session:
        assert session.scalar(select(func.count(QuestionnaireVersion.id))) == 0
    # Knowingly, with gaps: published, and said so.
    result = CliRunner().invoke(main, ["import", "--publish-without-legal-details", needs], env=env)
    assert result.exit_code == 0 and "warning: published without complete legal details (municipality_name" in result.stderr
    result = CliRunner().invoke(main, ["load-sample"], env=env)
    assert result.exit_code == 0 and "the invented legal details of Musterstadt filled in" in result.output
    result = CliRunner().invoke(main, ["import", str(ROOT / "questionnaires")], env=env)
    assert result.exit_code == 0 and "offer-inventory\timported as version 1" in result.output
    assert "legal details" not in result.stderr
    again = CliRunner().invoke(main, ["load-sample"], env=env)
    assert "legal details" not in again.output  # loaded once; what is there stays
    engine.dispose()
