"""Language names on staff pages are in the staff's language: curated German names (Dari, not
CLDR's "Persisch (Afghanistan)"), the native name beside them only where it differs."""
from __future__ import annotations

from survey.languages import LANGUAGES


def test_every_language_has_a_german_and_an_english_name():
    for tag, language in LANGUAGES.items():
        assert language.name_in("de") and language.name_in("en"), tag
    assert LANGUAGES["prs"].name_in("de") == "Dari"
    assert LANGUAGES["kmr"].name_in("de") == "Kurdisch (Kurmandschi)"
    assert LANGUAGES["ar"].name_in("en") == "Arabic"
    assert str(LANGUAGES["ckb"]) == "Kurdish (Sorani)"  # as a parameter of an English problem text
