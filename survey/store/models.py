"""Typed SQLAlchemy models. Schema changes go through Alembic (survey/store/migrations)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Questionnaire(Base):
    """A questionnaire identified by its stable slug; its content lives in versions."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A closed questionnaire takes no more responses; its link shows a "closed" page.
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number"
    )


class QuestionnaireVersion(Base):
    """One immutable imported definition; responses point at the version they answered."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "number"),
        UniqueConstraint("questionnaire_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # draft: still editable, never shown to respondents; published: frozen, the newest
    # published version is the live one; retired: frozen, replaced by a newer published one.
    status: Mapped[str] = mapped_column(String(16), default="published")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A file that binds its districts to the city's list (``districts: municipality``): that list
    # as this version offers it (survey.questionnaire.districts.DistrictEntry data). A draft's
    # follows the city's list; publishing freezes it, so a published version's codes never change.
    districts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")


class Channel(Base):
    """A distribution channel code staff put in a link (``?c=shelter-north``), never personal."""

    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("questionnaire_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    code: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffUser(Base):
    """A member of staff. Passwords are Argon2id hashes; ``session_epoch`` changes on a password
    change and on logout, which ends every session started before. Failed logins are counted
    apart for unknown browsers (``failed_logins``, ``locked_until``) and for browsers that logged
    in to this account before (``trusted_*``, survey.staff.auth's device cookie)."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(64))  # space-separated: admin designer analyst
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    trusted_failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    trusted_locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Told to the owner at the next login, then reset.
    failed_since_login: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_since_login: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    session_epoch: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())


class AuditEvent(Base):
    """Who did what to which object, when: staff actions only, never respondents."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))  # the staff e-mail, or "cli" / "system"
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Draft(Base):
    """Answers saved page by page before submission.

    Only hashes of the browser's token and of the resume code are stored, so a copy of the
    database cannot be used to open someone's draft. No IP address, user agent or referrer.
    """

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    resume_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    language: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    current_section: Mapped[str | None] = mapped_column(String(64))
    consented: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    started_on: Mapped[dt.date] = mapped_column(Date)
    last_saved_on: Mapped[dt.date] = mapped_column(Date)

    version: Mapped[QuestionnaireVersion] = relationship()


class Response(Base):
    """A submitted response: stored once, linked to the exact questionnaire version."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    # Derived from the draft's token: a repeated submission of the same draft hits this
    # unique constraint and so stores nothing twice.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    # True when staff entered the answers (paper questionnaire, or helping on the staff's device).
    interviewer_entered: Mapped[bool] = mapped_column(Boolean, default=False)
    started_on: Mapped[dt.date] = mapped_column(Date)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)

    version: Mapped[QuestionnaireVersion] = relationship()


class TranslationStatus(Base):
    """Which default-language text a translation was made against (as a hash).

    A row exists only once that matters: when a translation sheet was merged, or when a draft
    changed a source text but left the translation as it was. The translation is outdated while
    this hash differs from the hash of the current source text; no row means "current"."""

    __tablename__ = "translation_status"
    __table_args__ = (UniqueConstraint("questionnaire_id", "language", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))  # survey.questionnaire.translation key
    source_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class District(Base):
    """A district of the municipality. Questionnaires, offers and results all use its code."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # An optional larger area the district belongs to (its code), e.g. "Stadtbezirk 1".
    parent_code: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The name in further languages (language -> name; ``name`` is the German one as entered).
    names: Mapped[dict[str, str] | None] = mapped_column(JSON)


class IntegrationFieldRow(Base):
    """One integration field (language, work, ...): the seven defaults or the city's own."""

    __tablename__ = "integration_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language -> label
    position: Mapped[int] = mapped_column(Integer, default=0)


class Offer(Base):
    """An advice or support offer in the local inventory.

    Lists (fields, districts, languages, target groups) are JSON lists of codes: an inventory
    holds hundreds of offers, not millions, and is filtered in Python."""

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    # draft: being written; pending: submitted by a provider, awaiting staff review;
    # published: in the directory and the analysis; archived: no longer offered.
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    provider_name: Mapped[str] = mapped_column(String(300))
    provider_kind: Mapped[str] = mapped_column(String(32))  # mso, welfare, municipal, other
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language -> text
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    city_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # advice given in
    cost: Mapped[str] = mapped_column(String(16), default="free")  # free, reduced, paid
    barrier_free: Mapped[bool | None] = mapped_column(Boolean)
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    appointment_only: Mapped[bool] = mapped_column(Boolean, default=False)
    childcare: Mapped[bool] = mapped_column(Boolean, default=False)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_advice: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_phone: Mapped[str] = mapped_column(String(100), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_address: Mapped[str] = mapped_column(String(500), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    last_verified_on: Mapped[dt.date | None] = mapped_column(Date)
    # staff, import, questionnaire (a provider's answers to the offer-inventory questionnaire)
    source: Mapped[str] = mapped_column(String(16), default="staff")
    source_response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ContactRequest(Base):
    """"A counsellor may contact me": stored apart from the answers and unlinkable to them.

    No response id, no questionnaire version, no time finer than the ISO week it arrived in, so
    neither a database copy nor the timing links a contact wish to a set of answers."""

    __tablename__ = "contact_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    week_of: Mapped[dt.date] = mapped_column(Date)  # Monday of the week it arrived
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(16))  # to be contacted in
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The city's district the person lives in, if she said (a code of the district list).
    district: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    handled_on: Mapped[dt.date | None] = mapped_column(Date)
    handled_by: Mapped[str | None] = mapped_column(String(254))


class RateLimitBucket(Base):
    """A fixed-window request counter shared by every worker and host (no IP addresses: the
    key names what is limited, e.g. ``submit:needs-assessment`` or a hash of a login e-mail)."""

    __tablename__ = "rate_limit_bucket"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=0)


class HousekeepingRun(Base):
    """When a piece of the server's own periodic work (survey.web.housekeeping) last ran: one row
    per task, claimed by one process per interval (survey.store.housekeeping)."""

    __tablename__ = "housekeeping"

    task: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ExportJob(Base):
    """An export built in the background; the file lands in the exports folder."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(254))
    format: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # filters, label language
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued running done failed
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AggregateSnapshot(Base):
    """Aggregated, suppressed results kept when a closed questionnaire's raw answers are deleted."""

    __tablename__ = "aggregate_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # aggregate-csv, gap-csv
    content: Mapped[str] = mapped_column(Text)
    responses: Mapped[int] = mapped_column(Integer)  # how many responses it summarises
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))


class LegalDetailsRow(Base):
    """Who runs the survey and on which legal ground: the city's own texts for the privacy
    notice and the legal notice (Impressum), entered by an admin, in German. One row (id 1)."""

    __tablename__ = "legal_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_name: Mapped[str] = mapped_column(String(200), default="")
    office_name: Mapped[str] = mapped_column(String(300), default="")
    office_address: Mapped[str] = mapped_column(Text, default="")
    office_email: Mapped[str] = mapped_column(String(254), default="")
    office_phone: Mapped[str] = mapped_column(String(100), default="")
    dpo_contact: Mapped[str] = mapped_column(Text, default="")
    dpo_email: Mapped[str] = mapped_column(String(254), default="")
    legal_basis: Mapped[str] = mapped_column(String(32), default="")  # survey.store.legal_details.LEGAL_BASES
    legal_basis_text: Mapped[str] = mapped_column(Text, default="")
    answer_retention: Mapped[str] = mapped_column(Text, default="")
    supervisory_authority: Mapped[str] = mapped_column(Text, default="")
    legal_notice: Mapped[str] = mapped_column(Text, default="")
    # The logo as checked and re-encoded on upload (survey.files.checked_logo): PNG or JPEG only.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_type: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
