"""An interface text whose placeholder changed type (%(date)s -> %(date)d) made every Arabic
page with a draft answer 500, on every questionnaire (issue 16): the upload is refused, and an
override that is broken anyway gives way to the bundled text."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import Browser
from tests.unit.test_translation_round_trip import edit_sheet
from tests.web.test_translation_round_trip import assert_nothing_stored, download, upload
from tests.web.test_translation_round_trip import designer as designer_fixture

designer = designer_fixture  # the fixture, under its name

SLUG = "needs-assessment"
KEY = "ui:If you do not continue, your answers will be deleted after %(date)s."


def test_a_placeholder_with_another_conversion_is_refused(designer, db_session_factory):
    filled, _rows = edit_sheet(download(designer, "ar", "xlsx"), {KEY: "ستحذف إجاباتك بعد %(date)d."})
    upload(designer, filled, "ar.xlsx", "ar")
    assert designer.status == 422
    assert "%(date)d" in designer.html and "placeholders must stay exactly as in the source" in designer.html
    assert_nothing_stored(db_session_factory)


def test_a_broken_override_gives_way_to_the_bundled_text(app, bundled):
    from survey.store.ui_overrides import save_overrides

    bundled_dir = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    # Written past the upload's check (an older version, a hand-edited file).
    save_overrides(bundled_dir, Path(app.instance_path) / "translations", "ar", {KEY: "ستحذف إجاباتك بعد %(date)d."})
    respondent = Browser(app.test_client())
    respondent.get(f"/s/{SLUG}/ar/")
    respondent.post(f"/s/{SLUG}/ar/start")
    assert respondent.status == 200 and "/p/" in respondent.url  # the draft page shows the date sentence
    assert "ستحذف إجاباتك بعد" not in respondent.html
