"""The interface catalogues: one per questionnaire language, complete, in step with the code."""
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from survey.languages import LANGUAGES
from survey.questionnaire import load_questionnaire_file
from tests.conftest import ROOT

TRANSLATIONS = ROOT / "translations"


CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def read(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def test_every_bundled_questionnaire_language_has_an_interface_catalogue():
    locales = {path.parts[-3] for path in CATALOGUES}
    for path in (ROOT / "questionnaires").glob("*.yaml"):
        for tag in load_questionnaire_file(path).questionnaire.language_codes:
            assert LANGUAGES[tag].babel_locale in locales, f"{path.name}: no catalogue for {tag}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete_and_keeps_placeholders(path):
    catalogue = read(path)
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{path.parts[-3]}: untranslated {message.id!r}"
        assert not message.fuzzy, f"{path.parts[-3]}: fuzzy {message.id!r}"
        assert not list(message.check(catalogue)), f"{path.parts[-3]}: {message.id!r}"
        if not message.python_format:
            # Jinja applies "%" to every translated string, so a lone "%" breaks the page.
            for string in strings:
                assert "%" not in string.replace("%%", ""), f"{path.parts[-3]}: write '%%' in {string!r}"


def test_catalogues_match_the_strings_in_the_code(tmp_path):
    """Fails when a string was added to the code but `make update-messages` was not run."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(TRANSLATIONS / "babel.cfg"),
         "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        check=True, capture_output=True, cwd=ROOT,
    )
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read(pot) if m.id}
    for path in CATALOGUES:
        in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read(path) if m.id}
        assert in_code - in_catalogue == set(), f"{path.parts[-3]} lacks strings; run make update-messages"
        assert in_catalogue - in_code == set(), f"{path.parts[-3]} has obsolete strings; run make update-messages"


STAFF_CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/staff.po"))


def test_the_staff_workspace_has_german_and_english_catalogues():
    assert {path.parts[-3] for path in STAFF_CATALOGUES} == {"de", "en"}


@pytest.mark.parametrize("path", STAFF_CATALOGUES, ids=lambda p: p.parts[-3])
def test_staff_catalogue_is_complete_and_in_step_with_the_code(path, tmp_path):
    test_catalogue_is_complete_and_keeps_placeholders(path)
    pot = tmp_path / "staff.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(TRANSLATIONS / "babel-staff.cfg"),
         "-k", "lazy_gettext", "-k", "staff_text", "--no-location", "-o", str(pot), "."],
        check=True, capture_output=True, cwd=ROOT,
    )
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read(pot) if m.id}
    in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read(path) if m.id}
    assert in_code - in_catalogue == set(), "run make update-messages"
    assert in_catalogue - in_code == set(), "obsolete strings; run make update-messages"
