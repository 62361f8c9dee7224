"""Question and option texts in the analyst's label language, whatever the respondent used.

A text missing in that language falls back along the questionnaire's chain (e.g. Dari -> Persian
-> English -> the default language), as the respondent pages do. The few words an export adds
itself (what the extra columns mean, "chosen") exist in German and English; other label
languages get them in English.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from survey.languages import LANGUAGES
from survey.questionnaire.model import Option, Questionnaire, Text

DEFAULT_LABEL_LANGUAGE = "de"
LABEL_SEPARATOR = "; "  # between the labels of several chosen options (labels may hold spaces)

_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "response_id": "Kennung der Antwort",
        "submitted_at": "Abgeschickt am (UTC)",
        "language": "Sprache, in der geantwortet wurde",
        "questionnaire_version": "Version des Fragebogens",
        "channel": "Verteilkanal",
        "interviewer_entered": "Von Mitarbeitenden eingegeben (1 = ja)",
        "chosen": "ausgewählt",
        "not_chosen": "nicht ausgewählt",
        "other_text": "Anderes, Text",
        "yes": "ja",
        "no": "nein",
    },
    "en": {
        "response_id": "Response identifier",
        "submitted_at": "Submitted at (UTC)",
        "language": "Language the respondent answered in",
        "questionnaire_version": "Questionnaire version",
        "channel": "Distribution channel",
        "interviewer_entered": "Entered by staff (1 = yes)",
        "chosen": "chosen",
        "not_chosen": "not chosen",
        "other_text": "Other, text",
        "yes": "yes",
        "no": "no",
    },
}


class UnknownLabelLanguage(ValueError):
    def __init__(self, language: str) -> None:
        super().__init__(f"'{language}' is not a known language tag (e.g. de, en, ar)")
        self.language = language


class Labels:
    """Resolves texts of the given versions (newest first) in one language."""

    def __init__(self, versions: Sequence[Questionnaire], language: str = DEFAULT_LABEL_LANGUAGE) -> None:
        if language not in LANGUAGES:
            raise UnknownLabelLanguage(language)
        self.language = language
        self.chain = versions[0].chain(language)

    def text(self, text: Text | None) -> str:
        if text is None or not text.translations:
            return ""
        return text.resolve(self.chain).text

    def option(self, option: Option) -> str:
        return self.text(option.label) or option.code

    def word(self, key: str) -> str:
        return _WORDS.get(self.language, _WORDS["en"]).get(key, key)

    def choice(self, options_by_code: dict[str, Option], value: Any) -> Any:
        """The label of a stored option code (a list of codes: labels joined); unknown codes
        stay as they are rather than disappear."""
        if value is None:
            return None
        if isinstance(value, list):
            return LABEL_SEPARATOR.join(str(self.choice(options_by_code, item)) for item in value)
        option = options_by_code.get(str(value))
        return self.option(option) if option is not None else value
