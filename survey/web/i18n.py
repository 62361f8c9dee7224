"""Locale selection for Flask-Babel and the language facts templates need."""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

from babel import support
from flask import Flask, current_app, request
from flask_babel import Babel, Domain, format_date, format_datetime, get_locale

from survey.languages import LANGUAGES, Language


class LanguageDomain(Domain):
    """Flask-Babel's domain, with the plural rule of the language's own catalogue.

    Flask-Babel merges the catalogues (respondent texts, staff texts, this installation's
    overrides) and keeps the plural rule of the last one it loads. The staff catalogue exists
    for German and English only, the override catalogue only where a translator changed a text:
    where they are missing, Babel's empty stand-in brings the English rule, and Arabic said "one
    day" for 90 days while Persian fell back to whole English sentences. The rule comes from the
    bundled respondent catalogue of the language (its Plural-Forms, as pybabel wrote it from
    Babel's plural table), and nothing merged later can change it."""

    def get_translations(self) -> Any:
        translations = super().get_translations()
        if not getattr(translations, "checked_against_own_catalogue", False):
            own = support.Translations.load(self.translation_directories[0], [get_locale()], self.domain[0])
            if isinstance(own, support.Translations):  # a real catalogue, not the empty stand-in
                translations.plural = own.plural
            _replace_broken(translations._catalog, own._catalog if isinstance(own, support.Translations) else {})
            translations.checked_against_own_catalogue = True
        return translations


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")


def _fits(msgid: str, text: str) -> bool:
    """A translation Jinja can fill: only the placeholders of its source text, conversions as
    written, and no other "%"."""
    def named(value: str) -> set[str]:
        return {m.group(0) for m in PLACEHOLDER.finditer(value) if m.group(1)}

    return named(text) <= named(msgid) and "%" not in PLACEHOLDER.sub("", text)


def _replace_broken(merged: dict[Any, str], bundled: dict[Any, str]) -> None:
    """A text of this installation's override catalogue that would break every page showing it
    (``%(date)d`` for ``%(date)s``, a lone "%") gives way to the bundled translation, or to the
    English source text: the page renders, and the staff's translation check names the fault."""
    for key, text in list(merged.items()):
        msgid = key[0] if isinstance(key, tuple) else key
        if key not in bundled or text == bundled[key] or not msgid or _fits(msgid, text):
            continue  # only what an override changed of the respondent texts is checked
        merged[key] = bundled[key]


class LanguageBabel(Babel):
    @cached_property
    def domain_instance(self) -> LanguageDomain:
        return LanguageDomain(domain=self.domain)


babel = LanguageBabel()


def url_language() -> str | None:
    """The respondent language chosen in the URL (``/s/<slug>/<lang>/...``), if any."""
    if request and request.view_args:
        lang = request.view_args.get("lang")
        if isinstance(lang, str) and lang in LANGUAGES:
            return lang
    return None


STAFF_LANGUAGES = ("de", "en")


def staff_language() -> Language:
    """The staff workspace is written in English and translated into German (staff.po)."""
    return LANGUAGES[request.accept_languages.best_match(STAFF_LANGUAGES) or "de"]


# Staff pages that show a respondent page (the preview): in the respondent's language.
RESPONDENT_PAGES_IN_STAFF = {"staff.preview_section"}


def current_language() -> Language:
    if request and request.blueprint == "staff":
        if request.endpoint in RESPONDENT_PAGES_IN_STAFF and url_language():
            return LANGUAGES[url_language() or "de"]
        return staff_language()
    tag = url_language()
    if tag is None:
        tag = request.accept_languages.best_match(list(ui_languages())) if request else None
    return LANGUAGES.get(tag or "de", LANGUAGES["de"])


def select_locale() -> str:
    return current_language().babel_locale


def ui_languages() -> list[str]:
    """Tags of the languages whose interface catalogue exists (German is the source)."""
    directory = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    available = {path.name for path in directory.iterdir() if (path / "LC_MESSAGES").is_dir()}
    return [tag for tag, lang in LANGUAGES.items() if lang.babel_locale in available or tag == "en"]


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(format_datetime=format_datetime, format_date=format_date)

    @app.context_processor
    def language_context() -> dict[str, object]:
        language = current_language()
        return {"page_language": language, "languages": LANGUAGES}
