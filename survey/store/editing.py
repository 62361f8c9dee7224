"""The web editor's side of questionnaire versions: what to edit, which codes have responses, and
storing an edit as the draft. No Flask.

Published versions are frozen: the first edit after publishing creates a new draft version,
later edits update that draft (``questionnaire_store.save_draft``). Responses stay linked to the
version they answered.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.models import QuestionnaireVersion, Response
from survey.questionnaire import Questionnaire
from survey.questionnaire.editing import SOURCE_NAME, Data
from survey.questionnaire.formats.yaml_writer import to_data
from survey.questionnaire.formats.yaml_reader import load_questionnaire_text
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from survey.store.questionnaires import (
    DRAFT,
    ImportResult,
    find_questionnaire,
    newest_version,
    questionnaire_for_version,
    save_draft,
)


@dataclass(frozen=True)
class Editable:
    """The version an edit starts from (the draft, else the newest published one)."""

    version: QuestionnaireVersion
    model: Questionnaire
    data: Data

    @property
    def is_draft(self) -> bool:
        return self.version.status == DRAFT

    @property
    def next_number(self) -> int:
        """The number the edited version gets: the draft's own, or a new one."""
        return self.version.number if self.is_draft else self.version.number + 1


def editable(session: Session, slug: str) -> Editable | None:
    version = newest_version(session, slug)
    if version is None:
        return None
    model = questionnaire_for_version(version)
    return Editable(version, model, to_data(model))


def answered_codes(session: Session, slug: str) -> frozenset[str]:
    """Codes of the questions of every version that has responses: they name stored answers
    and export columns, so they must not change."""
    row = find_questionnaire(session, slug)
    if row is None:
        return frozenset()
    answered_ids = set(session.scalars(
        select(Response.version_id)
        .where(Response.version_id.in_([version.id for version in row.versions]))
        .group_by(Response.version_id)
    ))
    codes: set[str] = set()
    for version in row.versions:
        if version.id in answered_ids:
            codes.update(question.code for question in questionnaire_for_version(version).questions())
    return frozenset(codes)


def save_edit(session: Session, current: Editable | None, model: Questionnaire) -> ImportResult | None:
    """Store an edited (validated) questionnaire as the draft; None when nothing changed.

    The file names its version number in its first line: the content of each version is then
    unique, so undoing every change of a draft stores the undone state instead of colliding with
    the older version it equals. Only flushes; the caller commits.
    """
    if current is not None and dump_questionnaire(model) == dump_questionnaire(current.model):
        return None
    number = current.next_number if current is not None else 1
    header = (f"# {model.slug}, version {number}, written by the staff web editor.\n"
              "# The format is described in docs/questionnaire-format.md\n")
    loaded = load_questionnaire_text(dump_questionnaire(model, header=header), SOURCE_NAME)
    return save_draft(session, loaded)


def slug_exists(session: Session, slug: str) -> bool:
    return session.scalar(select(QuestionnaireRow.id).where(QuestionnaireRow.slug == slug)) is not None
