"""The municipality's districts and integration fields, kept as data.

Questionnaires, offers and results all use these codes. The seven default fields of KIM are
created on first use; a city may rename them, add its own or import both lists from CSV/XLSX.
Plain Python over a SQLAlchemy session: no Flask.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.files import TableImportError, read_table, table_problem
from survey.languages import LANGUAGES
from survey.problems import Problem, Where, staff_text
from survey.questionnaire.districts import ENTERED_LANGUAGE, DistrictEntry
from survey.questionnaire.model import Questionnaire
from survey.store.models import District, IntegrationFieldRow, Offer

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
# The problems both imports report.
NOT_A_CODE = staff_text("%(code)s is not a code: use a-z, 0-9, '_' or '-', starting with a letter, at most 32.")
CODE_TWICE = staff_text("'%(code)s' is listed twice (first in row %(first)s).")

# (code, German, English): the defaults from DOMAIN.md.
DEFAULT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("language", "Sprache / Spracherwerb", "Language, learning German"),
    ("education", "Bildung (Kita, Schule, Übergang Schule–Beruf)", "Education (childcare, school, school-to-work)"),
    ("work", "Arbeit, Ausbildung, Anerkennung", "Work, vocational training, recognition of qualifications"),
    ("housing", "Wohnen", "Housing"),
    ("health", "Gesundheit (auch psychosozial)", "Health, including mental health"),
    ("legal", "Aufenthalt, Recht, Leistungen", "Residence status, legal matters, benefits"),
    ("participation", "Familie, Soziales, Teilhabe", "Family, social life, participation, anti-discrimination"),
)


@dataclass(frozen=True)
class DistrictInfo:
    code: str
    name: str  # German, as entered
    parent_code: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)  # further languages: language -> name

    def entry(self) -> DistrictEntry:
        """The district as a questionnaire bound to the city's list offers it."""
        return DistrictEntry(self.code, {ENTERED_LANGUAGE: self.name, **self.names}, self.parent_code)


@dataclass(frozen=True)
class FieldInfo:
    code: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, language: str, fallback: Iterable[str] = ("de",)) -> str:
        for tag in (language, *fallback):
            if self.labels.get(tag):
                return self.labels[tag]
        return next(iter(self.labels.values()), self.code)


@dataclass(frozen=True)
class ImportReport:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


# --- reading -------------------------------------------------------------------------------

def ensure_default_fields(session: Session) -> int:
    """Create the seven default fields when the city has none yet; returns how many were made."""
    if session.scalar(select(func.count()).select_from(IntegrationFieldRow)):
        return 0
    for position, (code, german, english) in enumerate(DEFAULT_FIELDS):
        session.add(IntegrationFieldRow(code=code, labels={"de": german, "en": english}, position=position))
    session.flush()
    return len(DEFAULT_FIELDS)


def list_fields(session: Session) -> list[FieldInfo]:
    rows = session.scalars(select(IntegrationFieldRow).order_by(IntegrationFieldRow.position, IntegrationFieldRow.code))
    found = [FieldInfo(row.code, dict(row.labels or {})) for row in rows]
    # A database that never saw `survey init`'s seeding still works with the defaults.
    return found or [FieldInfo(code, {"de": de, "en": en}) for code, de, en in DEFAULT_FIELDS]


def field_labels(session: Session, language: str) -> dict[str, str]:
    """Field code -> its label in ``language`` (falling back to German), in the city's order."""
    return {f.code: f.label(language) for f in list_fields(session)}


def list_districts(session: Session) -> list[DistrictInfo]:
    rows = session.scalars(select(District).order_by(District.position, District.name))
    return [DistrictInfo(row.code, row.name, row.parent_code, dict(row.names or {})) for row in rows]


def district_entries(session: Session) -> list[DistrictEntry]:
    """The city's list as questionnaires bound to it (``districts: municipality``) offer it."""
    return [district.entry() for district in list_districts(session)]


# --- importing -----------------------------------------------------------------------------

def parse_districts(raw: bytes, file_name: str) -> list[DistrictInfo]:
    """Columns: code, name (German), parent (optional: the code of the larger area it lies in),
    then name_<language> for the name in any further language (name_en, name_ar, ...). Every
    problem of every row is reported together; nothing is returned unless all rows are valid."""
    table = read_table(raw, file_name, required=("code", "name"))
    problems: list[Problem] = []
    found: list[DistrictInfo] = []
    seen: dict[str, int] = {}
    for column in table.columns:
        if column.startswith("name_") and (column[5:] not in LANGUAGES or column[5:] == ENTERED_LANGUAGE):
            problems.append(table_problem(1, column, "not_a_language_column", staff_text(
                "'%(tag)s' is not a language of this product."), tag=column[5:]))
    for number, cells in table.rows:
        code, name, parent = cells.get("code", ""), cells.get("name", ""), cells.get("parent", "")
        if not CODE_PATTERN.match(code):
            problems.append(table_problem(number, "code", "not_a_code", NOT_A_CODE, code=repr(code)))
        elif code in seen:
            problems.append(table_problem(number, "code", "code_twice", CODE_TWICE, code=code, first=seen[code]))
        seen.setdefault(code, number)
        if not name:
            problems.append(table_problem(number, "name", "name_required", staff_text("A district needs a name.")))
        elif len(name) > 200:
            problems.append(table_problem(number, "name", "too_long", staff_text("The name is longer than 200 characters.")))
        if parent and not CODE_PATTERN.match(parent):
            problems.append(table_problem(number, "parent", "not_a_code", staff_text("%(code)s is not a code."), code=repr(parent)))
        names = {column[5:]: value for column, value in cells.items() if column.startswith("name_") and value}
        for column, value in names.items():
            if len(value) > 200:
                problems.append(table_problem(number, f"name_{column}", "too_long", staff_text(
                    "The name is longer than 200 characters.")))
        found.append(DistrictInfo(code, name, parent or None, names))
    if not table.rows:
        problems.append(table_problem(None, None, "no_rows", staff_text("The table has no districts.")))
    if problems:
        raise TableImportError(problems)
    return found


def parse_fields(raw: bytes, file_name: str) -> list[FieldInfo]:
    """Columns: code, label_de, then label_<language> for any further language (label_en, ...)."""
    table = read_table(raw, file_name, required=("code", "label_de"))
    problems: list[Problem] = []
    found: list[FieldInfo] = []
    seen: dict[str, int] = {}
    for column in table.columns:
        if column.startswith("label_") and column[6:] not in LANGUAGES:
            problems.append(table_problem(1, column, "not_a_language_column", staff_text(
                "'%(tag)s' is not a language of this product."), tag=column[6:]))
    for number, cells in table.rows:
        code = cells.get("code", "")
        if not CODE_PATTERN.match(code):
            problems.append(table_problem(number, "code", "not_a_code", NOT_A_CODE, code=repr(code)))
        elif code in seen:
            problems.append(table_problem(number, "code", "code_twice", CODE_TWICE, code=code, first=seen[code]))
        seen.setdefault(code, number)
        if not cells.get("label_de"):
            problems.append(table_problem(number, "label_de", "german_label_required", staff_text(
                "Every field needs a German label.")))
        labels = {column[6:]: value for column, value in cells.items() if column.startswith("label_") and value}
        found.append(FieldInfo(code, labels))
    if not table.rows:
        problems.append(table_problem(None, None, "no_rows", staff_text("The table has no fields.")))
    if problems:
        raise TableImportError(problems)
    return found


def save_districts(session: Session, districts: list[DistrictInfo]) -> ImportReport:
    """Add new districts and update existing ones by code, in the order given. Districts not in
    the list are kept: offers and answers may refer to them."""
    existing = {row.code: row for row in session.scalars(select(District))}
    added, changed, unchanged = [], [], []
    known = set(existing) | {d.code for d in districts}
    problems = [table_problem(None, "parent", "parent_unknown", staff_text("'%(parent)s' (parent of '%(code)s') is not a district."),
                              parent=d.parent_code, code=d.code)
                for d in districts if d.parent_code and d.parent_code not in known]
    if problems:
        raise TableImportError(problems)
    for position, district in enumerate(districts):
        row = existing.get(district.code)
        names = dict(district.names) or None
        if row is None:
            session.add(District(code=district.code, name=district.name, parent_code=district.parent_code, position=position,
                                 names=names))
            added.append(district.code)
        elif (row.name, row.parent_code, row.position, row.names or None) != (district.name, district.parent_code, position, names):
            row.name, row.parent_code, row.position, row.names = district.name, district.parent_code, position, names
            changed.append(district.code)
        else:
            unchanged.append(district.code)
    session.flush()
    _list_changed(session)
    return ImportReport(tuple(added), tuple(changed), tuple(unchanged))


def _list_changed(session: Session) -> None:
    """Drafts bound to the city's list offer the list as it is now (published versions keep theirs)."""
    # Imported here: the questionnaire store reads this module's list when it stores a version.
    from survey.store.questionnaires import refresh_bound_drafts

    refresh_bound_drafts(session, district_entries(session))


def save_fields(session: Session, fields: list[FieldInfo]) -> ImportReport:
    existing = {row.code: row for row in session.scalars(select(IntegrationFieldRow))}
    added, changed, unchanged = [], [], []
    for position, item in enumerate(fields):
        row = existing.get(item.code)
        labels = dict(item.labels)
        if row is None:
            session.add(IntegrationFieldRow(code=item.code, labels=labels, position=position))
            added.append(item.code)
        elif (dict(row.labels or {}), row.position) != (labels, position):
            row.labels, row.position = labels, position
            changed.append(item.code)
        else:
            unchanged.append(item.code)
    session.flush()
    return ImportReport(tuple(added), tuple(changed), tuple(unchanged))


def set_field_labels(session: Session, code: str, labels: Mapping[str, str]) -> bool | None:
    """New labels for the field ``code``; None when there is no such field, else whether they
    changed (flushed)."""
    ensure_default_fields(session)  # a city still on the built-in defaults gets its rows now
    row = session.scalar(select(IntegrationFieldRow).where(IntegrationFieldRow.code == code))
    if row is None:
        return None
    if dict(labels) == dict(row.labels or {}):
        return False
    row.labels = dict(labels)
    session.flush()
    return True


def district_in_use(session: Session, code: str) -> int:
    """How many offers name the district (a district in use is not deleted)."""
    return sum(1 for districts in session.scalars(select(Offer.districts)) if code in (districts or []))


def delete_district(session: Session, code: str) -> bool:
    row = session.scalar(select(District).where(District.code == code))
    if row is None or district_in_use(session, code):
        return False
    session.delete(row)
    session.flush()
    _list_changed(session)
    return True


# --- questionnaires --------------------------------------------------------------------------

def check_questionnaire(questionnaire: Questionnaire, districts: Iterable[str], fields: Iterable[str]) -> list[Problem]:
    """Warnings where a questionnaire uses codes the city does not know: answers with such a
    district count only city-wide, sections with such a field stay out of the gap analysis."""
    district_codes, field_codes = set(districts), set(fields)
    problems: list[Problem] = []
    for index, section in enumerate(questionnaire.sections):
        if section.field is not None and field_codes and section.field not in field_codes:
            problems.append(Problem("unknown_field", staff_text("'%(field)s' is not one of the city's integration fields (%(known)s)."),
                                    {"field": section.field, "known": ", ".join(sorted(field_codes))}, "warning",
                                    Where(path=f"sections[{index}].field")))
    question = questionnaire.district_question()
    if question is not None and district_codes:
        strangers = [o.code for o in question.options if o.code not in district_codes]
        if strangers and len(strangers) < len(question.options):
            problems.append(Problem("unknown_districts", staff_text(
                "The answers %(codes)s are not districts of the city; responses choosing them count only in city-wide results."),
                {"codes": ", ".join(strangers)}, "warning", Where(path="districts")))
        elif strangers:
            problems.append(Problem("unknown_districts", staff_text(
                "None of the district answers is a district of the city: results per district are empty. Use the codes of the "
                "city's districts (Staff area, Districts and fields)."), {}, "warning", Where(path="districts")))
    return problems
