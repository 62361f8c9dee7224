"""Every plural a respondent reads takes the form CLDR's rule chooses for her language (issue
17): the catalogues carry CLDR's rule (translations/plural_forms.py), and the running app uses it
whatever catalogues it merges, with or without this installation's override catalogue."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from flask_babel import ngettext

from survey.languages import LANGUAGES
from survey.store.ui_overrides import save_overrides
from tests.conftest import ROOT
from translations.plural_forms import categories, plural_forms

NUMBERS = (0, 1, 2, 3, 5, 11, 21, 100, 101, 1000)
TAGS = sorted({lang.babel_locale: tag for tag, lang in LANGUAGES.items()
               if (ROOT / "translations" / lang.babel_locale / "LC_MESSAGES" / "messages.po").exists()}.items())


def catalogue(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def expected(locale: str, message, n: int) -> str:
    rule = Locale.parse(locale).plural_form
    return message.string[categories(rule).index(rule(n))] % {"num": n}


@pytest.mark.parametrize(("locale", "tag"), TAGS)
def test_every_catalogue_carries_cldrs_rule(locale, tag):
    assert catalogue(locale).plural_forms.replace(" ", "") == plural_forms(locale).replace(" ", "")


def _check_every_plural(app, locale: str, tag: str) -> int:
    checked = 0
    with app.test_request_context(f"/s/needs-assessment/{tag}/"):
        for message in catalogue(locale):
            if not isinstance(message.id, tuple):
                continue
            for n in NUMBERS:
                assert ngettext(message.id[0], message.id[1], n) == expected(locale, message, n), (locale, message.id[0], n)
                checked += 1
    return checked


@pytest.mark.parametrize(("locale", "tag"), TAGS)
def test_every_plural_takes_the_form_cldr_chooses(app, locale, tag):
    assert _check_every_plural(app, locale, tag) > 0


@pytest.mark.parametrize(("locale", "tag"), [("ar", "ar"), ("fa", "fa"), ("tr", "tr"), ("uk", "uk")])
def test_an_installation_override_changes_no_plural_rule(app, locale, tag):
    bundled = ROOT / "translations"
    override = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[-1])
    # A translator corrects one plain text of the language: its catalogue now exists.
    save_overrides(bundled, override, locale, {"ui:(optional)": "(optional!)"})
    assert _check_every_plural(app, locale, tag) > 0


def test_the_arabic_contact_page_names_ninety_days_in_the_form_for_ninety(app, bundled):
    page = app.test_client().get("/contact/ar/").get_data(as_text=True)
    message = next(m for m in catalogue("ar") if isinstance(m.id, tuple) and m.id[0].startswith("When a counsellor"))
    days = app.config["CONTACT_RETENTION_DAYS"]
    assert expected("ar", message, days) in re.sub(r"\s+", " ", page)
