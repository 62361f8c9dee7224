"""Locale selection for Flask-Babel and the language facts templates need."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request
from flask_babel import Babel, format_date, format_datetime

from survey.languages import LANGUAGES, Language

babel = Babel()


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
