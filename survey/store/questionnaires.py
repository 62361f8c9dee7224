"""Questionnaires and their versions in the database: import once per content, publish, close,
channels, look up and load the model, and the web editor's drafts."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, defer

from survey.problems import Problem, Where, staff_text
from survey.questionnaire import LoadedQuestionnaire, Questionnaire, QuestionnaireError, load_questionnaire_file
from survey.questionnaire.districts import DistrictEntry, bind_districts
from survey.questionnaire.editing import SOURCE_NAME
from survey.questionnaire.formats.yaml_reader import load_questionnaire_text
from survey.questionnaire.formats.yaml_writer import Data, dump_data, dump_questionnaire, to_data
from survey.store.models import Channel, QuestionnaireVersion, Response, utcnow
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.municipality import district_entries
from survey.store.translation_status import note_source_changes

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"


@dataclass(frozen=True)
class ImportResult:
    slug: str
    version_number: int
    created: bool  # False when this exact content was stored before
    status: str = PUBLISHED


def _questionnaire_row(session: Session, slug: str) -> QuestionnaireRow | None:
    return session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == slug))


def _row_to_store(session: Session, slug: str) -> QuestionnaireRow:
    """The questionnaire's row, made when the questionnaire is new."""
    row = _questionnaire_row(session, slug)
    if row is None:
        row = QuestionnaireRow(slug=slug)
        session.add(row)
        session.flush()
    return row


# --- the city's district list in questionnaires bound to it (``districts: municipality``) -------

NO_CITY_DISTRICTS = staff_text(
    "This questionnaire offers the city's district list ('districts: municipality'), but the city has no districts "
    "yet. An admin imports them first (Districts and fields), then try again.")

Districts = list[dict[str, Any]]


def _city_districts(session: Session, loaded: LoadedQuestionnaire) -> Districts | None:
    """The city's list as a version of ``loaded`` keeps it (None: the file lists its own
    districts). Refused while the list is empty: a district question without districts could
    not be answered."""
    if loaded.questionnaire.districts_from is None:
        return None
    entries = district_entries(session)
    if not entries:
        raise QuestionnaireError(loaded.source_name, [Problem("no_city_districts", NO_CITY_DISTRICTS, where=Where(path="districts"))])
    return [entry.to_data() for entry in entries]


def _content_hash(source: str, districts: Districts | None) -> str:
    """The key of a version's content: its text and, when bound, the district list it offers
    (the same file with another list is other content: another version, another cached model)."""
    if districts is None:
        return hashlib.sha256(source.encode("utf-8")).hexdigest()
    listed = json.dumps(districts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{source}\n\0districts {listed}".encode()).hexdigest()


def refresh_bound_drafts(session: Session, entries: Sequence[DistrictEntry]) -> int:
    """After the city's list changed: every draft bound to it offers the new list (published
    versions keep the list they were published with). Returns how many drafts changed."""
    districts = [entry.to_data() for entry in entries]
    changed = 0
    for version in session.scalars(select(QuestionnaireVersion).where(QuestionnaireVersion.status == DRAFT)):
        if version.districts is None or version.districts == districts:
            continue
        content_hash = _content_hash(version.source, districts)
        if session.scalar(select(QuestionnaireVersion.id).where(
                QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
                QuestionnaireVersion.content_hash == content_hash)) is not None:
            continue  # an older version says exactly this: the draft would repeat it
        version.districts, version.content_hash = districts, content_hash
        changed += 1
    session.flush()
    return changed


def import_questionnaire(session: Session, loaded: LoadedQuestionnaire, publish: bool = True) -> ImportResult:
    """Store a validated questionnaire, published (the default, as ``survey import`` does) or as
    the questionnaire's draft. Content stored before is not stored again.

    Only flushes; the caller commits. A file that failed validation never gets here, so a
    rejected file changes nothing.
    """
    if not publish:
        return save_draft(session, loaded)
    model = loaded.questionnaire
    districts = _city_districts(session, loaded)
    row = _row_to_store(session, model.slug)
    existing = _version_with_content(session, row, _content_hash(loaded.source, districts))
    if existing is not None:
        if existing.status == DRAFT:
            publish_version(session, existing)
        return ImportResult(model.slug, existing.number, created=False, status=existing.status)
    _note_translation_changes(session, row, newest_version(session, model.slug), model)
    version = _new_version(session, row, loaded, DRAFT, districts)
    publish_version(session, version)
    return ImportResult(model.slug, version.number, created=True, status=PUBLISHED)


def save_draft(session: Session, loaded: LoadedQuestionnaire) -> ImportResult:
    """Keep ``loaded`` as the questionnaire's draft: the newest version if it is still a draft
    (published versions are frozen), else a new draft version."""
    model = loaded.questionnaire
    districts = _city_districts(session, loaded)
    content_hash = _content_hash(loaded.source, districts)
    row = _row_to_store(session, model.slug)
    existing = _version_with_content(session, row, content_hash)
    if existing is not None:
        return ImportResult(model.slug, existing.number, created=False, status=existing.status)
    newest = newest_version(session, model.slug)
    _note_translation_changes(session, row, newest, model)
    if newest is not None and newest.status == DRAFT:
        newest.content_hash = content_hash
        newest.districts = districts
        newest.source = loaded.source
        newest.source_name = loaded.source_name
        newest.source_format = loaded.source_format
        newest.title = _title(model)
        newest.imported_at = utcnow()
        session.flush()
        return ImportResult(model.slug, newest.number, created=True, status=DRAFT)
    version = _new_version(session, row, loaded, DRAFT, districts)
    return ImportResult(model.slug, version.number, created=True, status=DRAFT)



def _note_translation_changes(session: Session, row: QuestionnaireRow, previous: QuestionnaireVersion | None, model: Questionnaire) -> None:
    """Translations whose source text changed from ``previous`` to ``model`` become outdated
    (survey.store.translation_status); every path that stores new content comes through here."""
    if previous is None:
        return
    try:
        before = questionnaire_for_version(previous)
    except QuestionnaireError:
        return  # an old version the current loader refuses: nothing to compare with, never block saving
    note_source_changes(session, row.id, before, model)


def publish_version(session: Session, version: QuestionnaireVersion) -> None:
    """Freeze ``version`` and make it the live one; earlier published versions retire. Their
    responses stay linked to them. A version bound to the city's district list keeps the list it
    has now (a draft's follows the city's list), and is refused while that list is empty."""
    if version.districts == []:
        raise QuestionnaireError(version.source_name, [Problem("no_city_districts", NO_CITY_DISTRICTS, where=Where(path="districts"))])
    for other in session.scalars(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
            QuestionnaireVersion.status == PUBLISHED,
            QuestionnaireVersion.id != version.id,
        )
    ):
        other.status = RETIRED
    version.status = PUBLISHED
    version.published_at = utcnow()
    session.flush()


def unchanged_version(session: Session, loaded: LoadedQuestionnaire) -> QuestionnaireVersion | None:
    """The questionnaire's newest version (a draft, if there is one) or its live version when
    ``loaded`` says exactly what that version says; None when it is new or changed. Compared as
    the file the model writes (``dump_questionnaire``), so comments, layout, quoting, key order
    and the file format (YAML or XLSForm, e.g. a downloaded version uploaded again) make no
    difference, and an upload that changes nothing makes no new version."""
    slug = loaded.questionnaire.slug
    canonical: str | None = None
    districts = _city_districts(session, loaded)
    for version in (newest_version(session, slug), live_version(session, slug)):
        if version is None:
            continue
        if version.districts != districts:
            continue  # the city's list changed since: the same file offers other districts now
        if version.content_hash == _content_hash(loaded.source, districts):
            return version
        try:
            stored = questionnaire_for_version(version)
        except QuestionnaireError:
            continue  # an old version the current loader refuses: not the same as a valid file
        canonical = canonical or dump_questionnaire(loaded.questionnaire)
        if dump_questionnaire(stored) == canonical:
            return version
    return None


def _version_with_content(session: Session, row: QuestionnaireRow, content_hash: str) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == row.id,
            QuestionnaireVersion.content_hash == content_hash,
        )
    )


def _title(model: Questionnaire) -> str:
    return (model.title.get(model.default_language) or model.slug)[:500]


def _new_version(session: Session, row: QuestionnaireRow, loaded: LoadedQuestionnaire, status: str,
                 districts: Districts | None) -> QuestionnaireVersion:
    number = (session.scalar(
        select(func.max(QuestionnaireVersion.number)).where(QuestionnaireVersion.questionnaire_id == row.id)
    ) or 0) + 1
    version = QuestionnaireVersion(
        questionnaire_id=row.id,
        number=number,
        content_hash=_content_hash(loaded.source, districts),
        source_name=loaded.source_name,
        source_format=loaded.source_format,
        source=loaded.source,
        title=_title(loaded.questionnaire),
        status=status,
        districts=districts,
    )
    session.add(version)
    session.flush()
    return version


def import_directory(session: Session, directory: str | Path) -> list[ImportResult]:
    """Import every ``*.yaml`` file of a folder; all files are validated before any is stored."""
    loaded = [load_questionnaire_file(path) for path in sorted(Path(directory).glob("*.yaml"))]
    return [import_questionnaire(session, item) for item in loaded]


def live_version(session: Session, slug: str) -> QuestionnaireVersion | None:
    """The version respondents answer: the newest published one (None if never published).
    Loaded with its questionnaire row and without its source text (see questionnaire_for_version)."""
    return session.scalar(
        select(QuestionnaireVersion)
        .join(QuestionnaireRow)
        .options(defer(QuestionnaireVersion.source), contains_eager(QuestionnaireVersion.questionnaire))
        .where(QuestionnaireRow.slug == slug, QuestionnaireVersion.status == PUBLISHED)
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )


def version_rows(session: Session, slug: str) -> list[QuestionnaireVersion]:
    """Every version of the questionnaire, whatever its status, newest first (empty when the
    slug is unknown)."""
    return list(session.scalars(
        select(QuestionnaireVersion)
        .join(QuestionnaireRow)
        .where(QuestionnaireRow.slug == slug)
        .order_by(QuestionnaireVersion.number.desc())
    ))


def newest_version(session: Session, slug: str) -> QuestionnaireVersion | None:
    """The newest version whatever its status (a draft being edited, if there is one)."""
    return session.scalar(
        select(QuestionnaireVersion)
        .join(QuestionnaireRow)
        .where(QuestionnaireRow.slug == slug)
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )


def find_questionnaire(session: Session, slug: str) -> QuestionnaireRow | None:
    return _questionnaire_row(session, slug)


def is_closed(session: Session, slug: str) -> bool:
    row = _questionnaire_row(session, slug)
    return row is not None and row.closed_at is not None


CHANNEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,15}$")


def code_is_channel(session: Session, slug: str, code: str) -> bool:
    if not CHANNEL_PATTERN.match(code):
        return False
    return session.scalar(
        select(Channel.id).join(QuestionnaireRow).where(QuestionnaireRow.slug == slug, Channel.code == code)
    ) is not None


def channels_of(session: Session, row: QuestionnaireRow) -> list[Channel]:
    return list(session.scalars(select(Channel).where(Channel.questionnaire_id == row.id).order_by(Channel.code)))


def add_channel(session: Session, row: QuestionnaireRow, code: str, description: str) -> Channel:
    """A channel code for links; lower-case letters, digits and '-', at most 16 (it is stored with
    every response from that link, so it must never name a person)."""
    code = code.strip().lower()
    if not CHANNEL_PATTERN.match(code) or code == "web" or code_is_channel(session, row.slug, code):
        raise ValueError(code)
    channel = Channel(questionnaire_id=row.id, code=code, description=description.strip()[:200])
    session.add(channel)
    session.flush()
    return channel


def set_closed(session: Session, row: QuestionnaireRow, closed: bool) -> None:
    row.closed_at = utcnow() if closed else None
    session.flush()


MODELS_KEPT = 64
_models: dict[str, Questionnaire] = {}  # content hash -> model; a stored version never changes
_models_lock = threading.Lock()


def questionnaire_for_version(version: QuestionnaireVersion) -> Questionnaire:
    """The model of a stored version, parsed once per content and cached by its hash: a request
    that loaded the version row without its source text (large: every translation) needs neither
    the text nor a second query."""
    return _cached_model(version.content_hash, lambda: (version.source, version.source_name, version.districts))


def questionnaire_by_hash(session: Session, version_id: int, content_hash: str) -> Questionnaire:
    """The same for a version known only by id and content hash (survey.store.drafts.OpenDraft):
    the source text is read only when the model is not cached yet."""
    def source() -> tuple[str, str, Districts | None]:
        row = session.execute(select(QuestionnaireVersion.source, QuestionnaireVersion.source_name, QuestionnaireVersion.districts)
                              .where(QuestionnaireVersion.id == version_id)).one()
        return row.source, row.source_name, row.districts

    return _cached_model(content_hash, source)


def _cached_model(content_hash: str, source: Callable[[], tuple[str, str, Districts | None]]) -> Questionnaire:
    model = _models.get(content_hash)
    if model is None:
        text, name, districts = source()
        model = load_questionnaire_text(text, name).questionnaire
        if districts is not None:
            model = bind_districts(model, [DistrictEntry.from_data(entry) for entry in districts])
        with _models_lock:
            if len(_models) >= MODELS_KEPT:
                del _models[next(iter(_models))]
            _models[content_hash] = model
    return model


@dataclass(frozen=True)
class QuestionnaireSummary:
    slug: str
    title: str
    version_number: int  # the live version, else the newest
    versions: int
    responses: int
    status: str  # draft (never published), published, closed
    has_draft: bool  # an unpublished newer version exists


def list_questionnaires(session: Session) -> list[QuestionnaireSummary]:
    counts = dict(session.execute(
        select(QuestionnaireVersion.questionnaire_id, func.count(Response.id))
        .join(Response, Response.version_id == QuestionnaireVersion.id)
        .group_by(QuestionnaireVersion.questionnaire_id)
    ).all())
    summaries = []
    for row in session.scalars(select(QuestionnaireRow).order_by(QuestionnaireRow.slug)):
        if not row.versions:
            continue
        published = [v for v in row.versions if v.status == PUBLISHED]
        shown = published[-1] if published else row.versions[-1]
        status = "closed" if row.closed_at is not None else (PUBLISHED if published else DRAFT)
        summaries.append(QuestionnaireSummary(
            row.slug, shown.title, shown.number, len(row.versions), counts.get(row.id, 0), status,
            row.versions[-1].status == DRAFT,
        ))
    return summaries


# --- the web editor: what to edit, which codes have responses, storing an edit as the draft ----
# Published versions are frozen: the first edit after publishing creates a new draft version,
# later edits update that draft (``save_draft``). Responses stay linked to the version they
# answered.

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


def save_edit(session: Session, current: Editable | None, model: Questionnaire,
              checked_text: str | None = None) -> ImportResult | None:
    """Store an edited (validated) questionnaire as the draft; None when nothing changed.

    The file names its version number in its first line: the content of each version is then
    unique, so undoing every change of a draft stores the undone state instead of colliding with
    the older version it equals. Only flushes; the caller commits.

    ``model`` was read from YAML already (the editor's check): the file written for it reads
    back as the same model (``to_data``'s promise, tested), so it is not read a third time, and
    when the edited data is the model's own data, the text the check read is the file's body
    (``checked_text``, written by ``dump_data`` without header). Two models of the same data
    write the same file, so comparing their data says whether anything changed.
    """
    data = to_data(model)
    if current is not None and data == to_data(current.model):
        return None
    number = current.next_number if current is not None else 1
    header = (f"# {model.slug}, version {number}, written by the staff web editor.\n"
              "# The format is described in docs/questionnaire-format.md\n")
    body = checked_text if checked_text is not None else dump_data(data, header="")
    return save_draft(session, LoadedQuestionnaire(model, [], header + body, SOURCE_NAME))


def slug_exists(session: Session, slug: str) -> bool:
    return find_questionnaire(session, slug) is not None
