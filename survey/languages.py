"""The languages the product knows: tag, names, writing direction and fallback chain.

Direction is declared here, never guessed from text. Kurdish is always ``kmr`` (Kurmanji, Latin
script) or ``ckb`` (Sorani, Arabic script), never the ambiguous ``ku``.
"""
from __future__ import annotations

from dataclasses import dataclass

from survey.problems import staff_text


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
    # The staff and the reports speak German or English. Curated rather than CLDR's names,
    # which call Dari "Persian (Afghanistan)" and Kurmanji plain "Kurdish".
    german_name: str

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"

    def name_in(self, language: str) -> str:
        """This language's name for a German ("de") or otherwise an English reader."""
        return self.german_name if language == "de" else self.english_name

    def __str__(self) -> str:  # in an English problem text, as a parameter
        return self.english_name


LANGUAGES: dict[str, Language] = {
    lang.tag: lang
    for lang in (
        Language("de", "German", "Deutsch", "ltr", (), "de", "Deutsch"),
        Language("en", "English", "English", "ltr", ("de",), "en", "Englisch"),
        Language("ar", "Arabic", "العربية", "rtl", ("en",), "ar", "Arabisch"),
        Language("fa", "Persian (Farsi)", "فارسی", "rtl", ("prs", "en"), "fa", "Persisch (Farsi)"),
        Language("prs", "Dari", "دری", "rtl", ("fa", "en"), "fa_AF", "Dari"),
        Language("ps", "Pashto", "پښتو", "rtl", ("prs", "fa", "en"), "ps", "Paschtu"),
        Language("kmr", "Kurdish (Kurmanji)", "Kurmancî", "ltr", ("tr", "en"), "ku", "Kurdisch (Kurmandschi)"),
        Language("ckb", "Kurdish (Sorani)", "کوردیی ناوەندی", "rtl", ("ar", "en"), "ckb", "Kurdisch (Sorani)"),
        Language("ti", "Tigrinya", "ትግርኛ", "ltr", ("en",), "ti", "Tigrinya"),
        Language("tr", "Turkish", "Türkçe", "ltr", ("en",), "tr", "Türkisch"),
        Language("uk", "Ukrainian", "Українська", "ltr", ("en",), "uk", "Ukrainisch"),
        Language("ru", "Russian", "Русский", "ltr", ("en",), "ru", "Russisch"),
        Language("ro", "Romanian", "Română", "ltr", ("en",), "ro", "Rumänisch"),
        Language("bg", "Bulgarian", "Български", "ltr", ("en",), "bg", "Bulgarisch"),
        Language("so", "Somali", "Soomaali", "ltr", ("en",), "so", "Somali"),
        Language("fr", "French", "Français", "ltr", ("en",), "fr", "Französisch"),
    )
}

# Tags people write that mean something else here: the whole sentence that says what to write
# instead (``%(tag)s``: the tag as written), the same for a questionnaire file and an offer.
_USE_PRS = staff_text("The language tag '%(tag)s' is ambiguous: use 'prs' for Dari.")
MISLEADING_TAGS: dict[str, str] = {
    "ku": staff_text("The language tag '%(tag)s' is ambiguous: use 'kmr' for Kurmanji (Latin script) or 'ckb' for Sorani "
                     "(Arabic script), never 'ku'."),
    "fa-AF": _USE_PRS,
    "fa-af": _USE_PRS,
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
