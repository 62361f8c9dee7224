"""The translation round trip of a questionnaire: files to download per language, and an uploaded
file merged into the questionnaire's draft (and interface texts into the instance's override
catalogue). Works on a database session; no Flask. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from survey.languages import LANGUAGES
from survey.problems import Problem, staff_text
from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.translation_sheet import (
    SheetError,
    SheetInfo,
    SheetRow,
    Status,
    TranslationMerge,
    check_target,
    count_statuses,
    merge_upload,
    read_upload,
    sheet_rows,
    write_po,
    write_xlsx,
)
from survey.questionnaire.formats.yaml_reader import load_questionnaire_text
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.translation import with_translations
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.models import QuestionnaireVersion
from survey.store.questionnaires import ImportResult, find_questionnaire, questionnaire_for_version, save_draft
from survey.store.translation_status import mark_translated, outdated_keys
from survey.store.ui_overrides import save_overrides, ui_texts

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PO_TYPE = "text/x-gettext-translation; charset=utf-8"


@dataclass(frozen=True)
class UiFolders:
    bundled: Path  # translations/ of the code
    overrides: Path  # <instance>/translations


@dataclass(frozen=True)
class Target:
    row: QuestionnaireRow
    version: QuestionnaireVersion  # the newest: translations go into it (or a new draft after it)
    model: Questionnaire


def target(session: Session, slug: str) -> Target | None:
    row = find_questionnaire(session, slug)
    if row is None or not row.versions:
        return None
    version = row.versions[-1]
    return Target(row, version, questionnaire_for_version(version))


def rows_for(session: Session, found: Target, language: str, folders: UiFolders) -> list[SheetRow]:
    outdated = outdated_keys(session, found.row.id, found.model).get(language, set())
    ui = ui_texts(folders.bundled, folders.overrides, LANGUAGES[language].babel_locale) if language in LANGUAGES else []
    return sheet_rows(found.model, language, outdated, ui)


def translatable_languages(model: Questionnaire) -> list[str]:
    """Every language of the questionnaire but the default one, which is the source."""
    return [code for code in model.language_codes if code != model.default_language]


@dataclass(frozen=True)
class LanguageOverview:
    language: str
    partial: bool
    texts: dict[Status, int]
    ui: dict[Status, int]
    outdated: list[SheetRow]


def overview(session: Session, found: Target, folders: UiFolders) -> list[LanguageOverview]:
    result = []
    for language in translatable_languages(found.model):
        rows = rows_for(session, found, language, folders)
        counts = count_statuses(rows)
        spec = found.model.language_spec(language)
        result.append(LanguageOverview(
            language, bool(spec and spec.partial), counts["texts"], counts["ui"],
            [row for row in rows if row.status is Status.OUTDATED],
        ))
    return result


def download(session: Session, found: Target, language: str, kind: str, folders: UiFolders) -> tuple[str, bytes, str]:
    """(file name, content, media type) of the file for ``language``; ``kind`` is xlsx or po."""
    info = SheetInfo(found.model.slug, found.version.number, language, found.model.default_language)
    rows = rows_for(session, found, language, folders)
    name = f"{found.model.slug}-v{found.version.number}-{language}.{kind}"
    if kind == "xlsx":
        return name, write_xlsx(info, rows), XLSX_TYPE
    return name, write_po(info, rows), PO_TYPE


@dataclass
class ImportOutcome:
    problems: list[Problem] = field(default_factory=list)  # the whole file was refused
    merge: TranslationMerge | None = None
    stored: ImportResult | None = None  # the draft the questionnaire texts went into
    ui_saved: int = 0  # interface texts written to the override catalogue

    @property
    def accepted(self) -> bool:
        return not self.problems and self.merge is not None and self.merge.ok


def import_file(
    session: Session, found: Target, raw: bytes, filename: str, language: str | None, folders: UiFolders
) -> ImportOutcome:
    """Check an uploaded file completely, then store it: questionnaire texts as the draft (a
    published version is never changed), interface texts in the override catalogue. With any
    problem nothing is stored. Only flushes; the caller commits (or rolls back on problems)."""
    outcome = ImportOutcome()
    try:
        uploaded = read_upload(raw, filename)
        check_target(uploaded, found.model, language)
    except SheetError as error:
        outcome.problems = error.problems
        return outcome
    language = uploaded.info.language
    current = rows_for(session, found, language, folders)
    merge = merge_upload(uploaded, found.model, current, found.version.number)
    outcome.merge = merge
    if not merge.ok:
        return outcome
    if merge.translations:
        model = with_translations(found.model, language, merge.translations)
        name = PurePath(found.version.source_name or f"{found.model.slug}.yaml").stem + ".yaml"
        try:
            # Loading the written file again checks the result like any uploaded questionnaire.
            loaded = load_questionnaire_text(dump_questionnaire(model), name)
            # Refused, too, while the questionnaire offers the city's district list and it is empty.
            outcome.stored = save_draft(session, loaded)
        except QuestionnaireError as error:
            outcome.problems = error.errors  # each placed in the written file, at its line and path
            return outcome
    # After save_draft, which counts every changed translation as made for the current source:
    # the file says which source each one was really made for.
    mark_translated(session, found.row.id, language, merge.source_hashes)
    if merge.ui_changes:
        try:
            save_overrides(folders.bundled, folders.overrides, LANGUAGES[language].babel_locale, merge.ui_changes)
        except (OSError, KeyError) as error:
            outcome.problems = [Problem("not_stored", staff_text("The interface texts could not be stored (%(error)s); nothing was "
                                                                 "stored."), {"error": type(error).__name__})]
            return outcome
        outcome.ui_saved = len(merge.ui_changes)
    return outcome
