"""Language names on staff pages in the staff's own language (German or English), for the
templates (``language_name``) and for problem texts that name a language."""
from __future__ import annotations

from flask_babel import get_locale

from survey.languages import LANGUAGES, Language
from survey.staff import bp


def name_of(language: Language) -> str:
    locale = get_locale()
    return language.name_in(locale.language if locale is not None else "en")


@bp.app_template_global()
def language_name(tag: str) -> str:
    """The name of the language ``tag`` in the page's language; an unknown tag as it is."""
    language = LANGUAGES.get(tag)
    return name_of(language) if language is not None else tag
