"""The offer inventory: validation per field, the staleness flag, listing, CSV import and export."""
from __future__ import annotations

from survey.store.sample import SAMPLE_DIR


def test_the_commands_load_the_sample_and_refuse_a_bad_table(tmp_path):
    from click.testing import CliRunner

    from survey.app import main

    env = {"SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    first = runner.invoke(main, ["load-sample"], env=env)
    assert first.exit_code == 0 and "5 districts, 0 fields, 30 offers added" in first.output  # init made the fields
    assert "0 districts, 0 fields, 0 offers added" in runner.invoke(main, ["load-sample"], env=env).output
    # The loaded sample's verification dates were moved towards today; importing the file sets
    # them back (updated), and importing it once more changes nothing.
    first_import = runner.invoke(main, ["import-offers", str(SAMPLE_DIR / "offers.csv")], env=env)
    assert first_import.exit_code == 0 and "0 added, 30 updated, 0 unchanged" in first_import.output
    again = runner.invoke(main, ["import-offers", str(SAMPLE_DIR / "offers.csv")], env=env)
    assert again.exit_code == 0 and "0 added, 0 updated, 30 unchanged" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("provider_name,title_de,fields,districts\nA,B,work,atlantis\n", encoding="utf-8")
    refused = runner.invoke(main, ["import-offers", str(bad)], env=env)
    assert refused.exit_code != 0 and "row 2, column districts" in refused.output and "nothing was imported" in refused.output
    districts = tmp_path / "d.csv"
    districts.write_text("code,name\nnord,Nord-Neu\nhafen,Hafen\n", encoding="utf-8")
    result = runner.invoke(main, ["import-districts", str(districts)], env=env)
    assert result.exit_code == 0 and "1 added, 1 updated, 0 unchanged" in result.output
