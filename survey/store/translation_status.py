"""Outdated translations: a translation is outdated when the default-language text it was made
against has changed since, and no translator has touched it.

Only hashes of source texts are kept (table ``translation_status``), one row per
questionnaire, language and key, and only where it matters; no row means "current". No Flask.
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.questionnaire.formats.translation_sheet import source_hash
from survey.questionnaire.model import Questionnaire, Text
from survey.questionnaire.translation import translation_units
from survey.store.models import TranslationStatus, utcnow


def _rows(session: Session, questionnaire_id: int) -> dict[tuple[str, str], TranslationStatus]:
    return {
        (row.language, row.key): row
        for row in session.scalars(select(TranslationStatus).where(TranslationStatus.questionnaire_id == questionnaire_id))
    }


def note_source_changes(session: Session, questionnaire_id: int, before: Questionnaire | None, after: Questionnaire) -> None:
    """Called when ``after`` replaces ``before`` as the newest content of a questionnaire.

    A source text that changed while a translation stayed the same makes that translation
    outdated (it remembers the old source); a translation that changed in the same save was
    touched by someone and counts as made against the new source. Only flushes.
    """
    if before is None:
        return
    old_units: dict[str, Text] = dict(translation_units(before))
    rows = _rows(session, questionnaire_id)
    for key, text in translation_units(after):
        old = old_units.get(key)
        if old is None:
            continue  # a new text: whatever translations it has were written for it
        old_source = old.get(before.default_language)
        new_source = text.get(after.default_language)
        for language in after.language_codes:
            if language == after.default_language:
                continue
            translation = text.get(language)
            if not translation:
                continue
            row = rows.get((language, key))
            if translation != old.get(language):
                if row is not None:
                    row.source_hash = source_hash(new_source)
                    row.updated_at = utcnow()
            elif old_source != new_source and row is None:
                # Keep the hash of the text it was translated from; an older row (outdated
                # since an earlier change) already says that and stays as it is.
                row = TranslationStatus(
                    questionnaire_id=questionnaire_id, language=language, key=key, source_hash=source_hash(old_source)
                )
                session.add(row)
                rows[(language, key)] = row
    session.flush()


def mark_translated(session: Session, questionnaire_id: int, language: str, hashes: Mapping[str, str]) -> None:
    """Remember, per key, the source hash a translator's text was made against. Only flushes."""
    if not hashes:
        return
    rows = _rows(session, questionnaire_id)
    for key, value in hashes.items():
        row = rows.get((language, key))
        if row is None:
            session.add(TranslationStatus(questionnaire_id=questionnaire_id, language=language, key=key, source_hash=value))
        else:
            row.source_hash = value
            row.updated_at = utcnow()
    session.flush()


def outdated_keys(session: Session, questionnaire_id: int, model: Questionnaire) -> dict[str, set[str]]:
    """Per language of ``model``: keys whose translation exists but was made for another source."""
    rows = _rows(session, questionnaire_id)
    result: dict[str, set[str]] = {language: set() for language in model.language_codes}
    if not rows:
        return result
    for key, text in translation_units(model):
        current = source_hash(text.get(model.default_language))
        for language in model.language_codes:
            row = rows.get((language, key))
            if row is not None and row.source_hash != current and (text.get(language) or "").strip():
                result[language].add(key)
    return result


def outdated_counts(session: Session, questionnaire_id: int, model: Questionnaire) -> dict[str, int]:
    """The languages of ``model`` with outdated translations, and how many each has."""
    return {language: len(keys) for language, keys in outdated_keys(session, questionnaire_id, model).items() if keys}
