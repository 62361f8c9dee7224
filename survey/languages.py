"""The languages the product knows: tag, names, writing direction and fallback chain.

Direction is declared here, never guessed from text. Kurdish is always ``kmr`` (Kurmanji, Latin
script) or ``ckb`` (Sorani, Arabic script), never the ambiguous ``ku``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    tag: str
    english_name: str
    native_name: str
    direction: str  # "ltr" or "rtl"
    # Tried in order when a text lacks this language; the questionnaire's default language is
    # always tried last.
    fallback: tuple[str, ...]
    # The locale Babel/CLDR knows this language by (CLDR has no "prs" or "kmr").
    babel_locale: str

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"


LANGUAGES: dict[str, Language] = {
    lang.tag: lang
    for lang in (
        Language("de", "German", "Deutsch", "ltr", (), "de"),
        Language("en", "English", "English", "ltr", ("de",), "en"),
        Language("ar", "Arabic", "العربية", "rtl", ("en",), "ar"),
        Language("fa", "Persian (Farsi)", "فارسی", "rtl", ("prs", "en"), "fa"),
        Language("prs", "Dari", "دری", "rtl", ("fa", "en"), "fa_AF"),
        Language("ps", "Pashto", "پښتو", "rtl", ("prs", "fa", "en"), "ps"),
        Language("kmr", "Kurdish (Kurmanji)", "Kurmancî", "ltr", ("tr", "en"), "ku"),
        Language("ckb", "Kurdish (Sorani)", "کوردیی ناوەندی", "rtl", ("ar", "en"), "ckb"),
        Language("ti", "Tigrinya", "ትግርኛ", "ltr", ("en",), "ti"),
        Language("tr", "Turkish", "Türkçe", "ltr", ("en",), "tr"),
        Language("uk", "Ukrainian", "Українська", "ltr", ("en",), "uk"),
        Language("ru", "Russian", "Русский", "ltr", ("en",), "ru"),
        Language("ro", "Romanian", "Română", "ltr", ("en",), "ro"),
        Language("bg", "Bulgarian", "Български", "ltr", ("en",), "bg"),
        Language("so", "Somali", "Soomaali", "ltr", ("en",), "so"),
        Language("fr", "French", "Français", "ltr", ("en",), "fr"),
    )
}

# Tags people write that mean something else here, with the advice to give them.
MISLEADING_TAGS: dict[str, str] = {
    "ku": "use 'kmr' for Kurmanji (Latin script) or 'ckb' for Sorani (Arabic script), never 'ku'",
    "fa-AF": "use 'prs' for Dari",
    "fa-af": "use 'prs' for Dari",
}


def get_language(tag: str) -> Language:
    return LANGUAGES[tag]


def fallback_chain(tag: str, available: tuple[str, ...] | list[str], default: str) -> list[str]:
    """Languages to try for a text, in order: the language itself, its declared fallbacks that
    the questionnaire offers, and finally the questionnaire's default language."""
    chain = [tag]
    for candidate in LANGUAGES[tag].fallback if tag in LANGUAGES else ():
        if candidate in available and candidate not in chain:
            chain.append(candidate)
    if default not in chain:
        chain.append(default)
    return chain
