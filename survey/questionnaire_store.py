"""Questionnaire versions in the database: import once per content, look up, load the model."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Questionnaire as QuestionnaireRow
from survey.models import QuestionnaireVersion, Response
from survey.questionnaire import LoadedQuestionnaire, Questionnaire, load_questionnaire_file
from survey.questionnaire.loader_yaml import load_questionnaire_text


@dataclass(frozen=True)
class ImportResult:
    slug: str
    version_number: int
    created: bool  # False when this exact content was imported before


def import_questionnaire(session: Session, loaded: LoadedQuestionnaire) -> ImportResult:
    """Store a validated questionnaire as a new version unless the same content exists.

    Only flushes; the caller commits. A file that failed validation never gets here, so a
    rejected file changes nothing.
    """
    model = loaded.questionnaire
    row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == model.slug))
    if row is None:
        row = QuestionnaireRow(slug=model.slug)
        session.add(row)
        session.flush()
    existing = session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == row.id,
            QuestionnaireVersion.content_hash == loaded.content_hash,
        )
    )
    if existing is not None:
        return ImportResult(model.slug, existing.number, created=False)
    number = (session.scalar(
        select(func.max(QuestionnaireVersion.number)).where(QuestionnaireVersion.questionnaire_id == row.id)
    ) or 0) + 1
    session.add(QuestionnaireVersion(
        questionnaire_id=row.id,
        number=number,
        content_hash=loaded.content_hash,
        source_name=loaded.source_name,
        source_format=loaded.source_format,
        source=loaded.source,
        title=model.title.get(model.default_language) or model.slug,
    ))
    session.flush()
    return ImportResult(model.slug, number, created=True)


def import_directory(session: Session, directory: str | Path) -> list[ImportResult]:
    """Import every ``*.yaml`` file of a folder; all files are validated before any is stored."""
    loaded = [load_questionnaire_file(path) for path in sorted(Path(directory).glob("*.yaml"))]
    return [import_questionnaire(session, item) for item in loaded]


def latest_version(session: Session, slug: str) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion)
        .join(QuestionnaireRow)
        .where(QuestionnaireRow.slug == slug)
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )


@lru_cache(maxsize=64)
def _parse(content_hash: str, source: str, source_name: str) -> Questionnaire:
    return load_questionnaire_text(source, source_name).questionnaire


def questionnaire_for_version(version: QuestionnaireVersion) -> Questionnaire:
    """The model of a stored version (parsed once per content and cached)."""
    return _parse(version.content_hash, version.source, version.source_name)


@dataclass(frozen=True)
class QuestionnaireSummary:
    slug: str
    title: str
    version_number: int
    versions: int
    responses: int


def list_questionnaires(session: Session) -> list[QuestionnaireSummary]:
    summaries = []
    for row in session.scalars(select(QuestionnaireRow).order_by(QuestionnaireRow.slug)):
        latest = row.versions[-1] if row.versions else None
        if latest is None:
            continue
        count = session.scalar(
            select(func.count(Response.id))
            .join(QuestionnaireVersion)
            .where(QuestionnaireVersion.questionnaire_id == row.id)
        ) or 0
        summaries.append(QuestionnaireSummary(row.slug, latest.title, latest.number, len(row.versions), count))
    return summaries
