"""One mapping from the model to the file: ``to_data`` gives the plain data, ``dump_data`` writes
exactly that data (the web editor's changed copies included), so YAML reads back what was given."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from survey.questionnaire import load_questionnaire_file, load_questionnaire_text
from survey.questionnaire.formats.yaml_writer import dump_data, dump_questionnaire, to_data

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "questionnaires").glob("*.yaml")) + sorted((ROOT / "tests" / "data").glob("*.yaml"))


def expanded(data: dict) -> dict:
    """Language entries as to_data gives them: the file writes the defaults (reviewed, not
    partial) in the short form."""
    specs = [{"code": spec, "reviewed": True, "partial": False} if isinstance(spec, str)
             else {"reviewed": True, "partial": False, **spec} for spec in data["languages"]]
    return {**data, "languages": specs}


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_the_file_holds_exactly_the_data_and_loads_back_as_the_same_questionnaire(path):
    model = load_questionnaire_file(path).questionnaire
    data = to_data(model)
    text = dump_questionnaire(model)
    assert expanded(yaml.safe_load(text)) == data
    assert load_questionnaire_text(text, path.name).questionnaire == model


def test_data_of_an_unfinished_edit_is_written_as_it_is_for_the_loader_to_name():
    data = {"slug": "no", "default_language": "de", "languages": [{"code": "de", "reviewed": True, "partial": False}],
            "title": {}, "sections": [{"code": "a", "title": {"de": "A\u2028B"}, "questions": [
                {"code": "q", "type": "single_choice", "label": None, "options": [], "min": 1.5}]}, "stray"]}
    assert expanded(yaml.safe_load(dump_data(data, header=""))) == data
