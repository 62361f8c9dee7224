"""Low-literacy audio clips per language and the announced expiry of unfinished answers."""
from __future__ import annotations

import pytest

from survey.questionnaire import QuestionnaireError, load_questionnaire_text
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from tests.conftest import DATA

FORM = (DATA / "audio-demo.yaml").read_text(encoding="utf-8")


def test_audio_keys_are_validated_with_line_numbers():
    broken = FORM.replace("audio: {ar: course-ar.ogg}", "audio: {tr: course-tr.ogg}")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire_text(broken, "broken.yaml")
    message = str(caught.value)
    assert "broken.yaml:" in message and ".audio.tr" in message
    assert "not one of the questionnaire's languages" in message
    bad_name = FORM.replace("course-ar.ogg", "\"../course.ogg\"")
    with pytest.raises(QuestionnaireError, match="not an audio file name"):
        load_questionnaire_text(bad_name, "bad.yaml")


def test_audio_survives_the_yaml_round_trip():
    model = load_questionnaire_text(FORM, "a.yaml").questionnaire
    again = load_questionnaire_text(dump_questionnaire(model), "b.yaml").questionnaire
    course = again.question("course")
    assert course.audio.get("ar") == "course-ar.ogg"
    assert course.options[0].audio.get("ar") == "course-yes-ar.ogg"
    assert course.options[1].audio is None
