"""Low-literacy audio clips per language and the announced expiry of unfinished answers."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from survey.questionnaire import load_questionnaire_text
from survey.store.models import Draft
from survey.store.questionnaires import import_questionnaire
from tests.conftest import Browser
from tests.unit.test_audio_and_expiry import FORM

# The smallest thing a browser would take for Ogg audio is irrelevant here: the server only
# serves bytes; the test checks it serves exactly the named file and nothing else.
CLIP = b"OggS\x00\x02" + bytes(40)


@pytest.fixture()
def audio_app(app, db_session_factory, tmp_path):
    folder = tmp_path / "audio"
    folder.mkdir()
    for name in ("course-ar.ogg", "course-yes-ar.ogg", "note-de.mp3"):
        (folder / name).write_bytes(CLIP)
    (folder / "secret.ogg").write_bytes(b"not named by any questionnaire")
    app.config["AUDIO_DIR"] = str(folder)
    with db_session_factory() as session:
        import_questionnaire(session, load_questionnaire_text(FORM, "audio-demo.yaml"))
        session.commit()
    return app


def test_clips_play_only_on_demand_in_the_page_language(audio_app):
    browser = Browser(audio_app.test_client())
    browser.get("/s/audio-demo/ar/")
    browser.post("/s/audio-demo/ar/start")
    html = browser.html
    assert html.count("<audio ") == 2  # the question and its first option; no German clip in Arabic
    assert 'src="/s/audio-demo/audio/course-ar.ogg"' in html
    assert 'src="/s/audio-demo/audio/course-yes-ar.ogg"' in html
    assert "note-de.mp3" not in html
    assert html.count('preload="none"') == 2 and "autoplay" not in html
    assert 'aria-label="' in html.split("<audio ", 1)[1].split(">", 1)[0]

    browser = Browser(audio_app.test_client())
    browser.get("/s/audio-demo/de/")
    browser.post("/s/audio-demo/de/start")
    assert browser.html.count("<audio ") == 1 and "note-de.mp3" in browser.html


def test_only_named_clips_are_served(audio_app):
    client = audio_app.test_client()
    response = client.get("/s/audio-demo/audio/course-ar.ogg")
    assert response.status_code == 200 and response.data == CLIP
    assert response.mimetype == "audio/ogg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert client.get("/s/audio-demo/audio/note-de.mp3").mimetype == "audio/mpeg"
    # In the folder but not named by the questionnaire, or trying to leave the folder: 404.
    assert client.get("/s/audio-demo/audio/secret.ogg").status_code == 404
    assert client.get("/s/audio-demo/audio/..%2Fsecret.ogg").status_code == 404
    assert client.get("/s/no-such-survey/audio/course-ar.ogg").status_code == 404


def test_a_named_clip_missing_on_disk_is_a_plain_404(audio_app):
    Path(audio_app.config["AUDIO_DIR"], "course-ar.ogg").unlink()
    response = audio_app.test_client().get("/s/audio-demo/audio/course-ar.ogg")
    assert response.status_code == 404


def test_every_page_with_a_draft_announces_when_unfinished_answers_are_deleted(browser, db, app):
    browser.get("/s/needs-assessment/en/")
    assert "will be deleted after" not in browser.html  # nothing stored yet, nothing to announce
    browser.post("/s/needs-assessment/en/start")
    assert "will be deleted after" not in browser.html  # started, but still nothing stored
    browser.post(data={"action": "next", "district": "mitte"})  # the first answer makes the draft
    retention = app.config["DRAFT_RETENTION_DAYS"]
    expected = dt.date.today() + dt.timedelta(days=retention)
    assert f"will be deleted after {expected:%B} {expected.day}, {expected.year}" in browser.html

    # The date follows the last save, so an older draft shows an earlier date.
    saved = dt.date.today() - dt.timedelta(days=10)
    db.execute(update(Draft).values(last_saved_on=saved))
    db.commit()
    app.config["DRAFT_RETENTION_DAYS"] = 30
    browser.get("/s/needs-assessment/en/review")
    until = saved + dt.timedelta(days=30)
    assert f"will be deleted after {until:%B} {until.day}, {until.year}" in browser.html


def test_the_expiry_notice_is_translated(browser):
    browser.get("/s/needs-assessment/ar/")
    browser.post("/s/needs-assessment/ar/start")
    assert "will be deleted after" not in browser.html
    assert "If you do not continue" not in browser.html
