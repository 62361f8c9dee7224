"""Offers from and to a CSV/XLSX table (layout in docs/offers.md).

An import validates every row first and reports each problem with row and column; only when
all rows are valid does survey.store.offers save them, in the caller's transaction. A row with an ``id``
updates that offer; a row without one updates the offer with the same provider and German title,
or adds a new offer, so importing the same file twice changes nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from survey.files import INTERNATIONAL, CsvDialect, TableImportError, read_table, restore, table_problem
from survey.languages import LANGUAGES
from survey.offers.inventory import CityCodes, OfferInput, validate
from survey.problems import Problem, Where, staff_text

TEXT_COLUMNS = ("provider_name", "provider_kind", "cost", "opening_hours", "contact_phone", "contact_email",
                "contact_address", "website", "status")
LIST_COLUMNS = ("fields", "districts", "target_groups", "languages")
BOOL_COLUMNS = ("city_wide", "appointment_only", "childcare", "online", "phone_advice")
# The export's column order; title_<lang>/description_<lang> columns follow title_de/description_de.
COLUMNS = ("id", "provider_name", "provider_kind", "title_de", "description_de", "fields", "city_wide", "districts",
           "target_groups", "languages", "cost", "barrier_free", "opening_hours", "appointment_only", "childcare",
           "online", "phone_advice", "contact_phone", "contact_email", "contact_address", "website",
           "last_verified_on", "status")
REQUIRED = ("provider_name", "title_de", "fields")
TRUE = {"yes", "ja", "true", "wahr", "1", "x"}
FALSE = {"no", "nein", "false", "falsch", "0", ""}
IMPORT_STATUSES = ("published", "draft", "archived")
SPLIT = re.compile(r"[;,]")



def _text(value: str) -> str:
    # The export neutralises formula-like text with apostrophes (CSV injection); take them off again.
    return restore(value)


def _bool(value: str) -> bool | None:
    lowered = value.strip().casefold()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return None


def _date(value: str) -> dt.date | None:
    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$", value):  # ISO, or an Excel date cell
        return dt.date.fromisoformat(value[:10])
    match = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", value)
    if match:
        return dt.date(int(match[3]), int(match[2]), int(match[1]))
    raise ValueError(value)


def _translation_columns(columns: Iterable[str], problems: list[Problem]) -> list[tuple[str, str, str]]:
    """(column, attribute, language) for every title_<lang>/description_<lang> column."""
    found = []
    for column in columns:
        for attribute in ("title", "description"):
            if column.startswith(attribute + "_"):
                tag = column[len(attribute) + 1:]
                if tag in LANGUAGES:
                    found.append((column, attribute, tag))
                else:
                    problems.append(table_problem(1, column, "not_a_language_column", staff_text(
                        "'%(tag)s' is not a language tag of this product (%(allowed)s)."), tag=tag, allowed=", ".join(LANGUAGES)))
    return found


def _row_input(cells: dict[str, str], translations: list[tuple[str, str, str]],
               number: int, problems: list[Problem]) -> OfferInput:
    data = OfferInput()
    for column in TEXT_COLUMNS:
        if column in cells:
            value = _text(cells[column])
            if column in ("provider_kind", "cost", "status"):
                value = value.casefold() or getattr(OfferInput(), column)
            setattr(data, column, value)
    for column in LIST_COLUMNS:
        if column in cells:
            setattr(data, column, [item.strip() for item in SPLIT.split(cells[column]) if item.strip()])
    for column in BOOL_COLUMNS:
        if column in cells:
            flag = _bool(cells[column])
            if flag is None:
                problems.append(table_problem(number, column, "not_yes_no", staff_text("'%(value)s' is not yes or no."),
                                              value=cells[column]))
            else:
                setattr(data, column, flag)
    if cells.get("barrier_free", "").strip():
        barrier_free = _bool(cells["barrier_free"])
        if barrier_free is None:
            problems.append(table_problem(number, "barrier_free", "not_yes_no", staff_text(
                "'%(value)s' is not yes, no or empty (unknown)."), value=cells["barrier_free"]))
        data.barrier_free = barrier_free
    if cells.get("last_verified_on", "").strip():
        try:
            data.last_verified_on = _date(cells["last_verified_on"])
        except ValueError:
            problems.append(table_problem(number, "last_verified_on", "not_a_date", staff_text(
                "'%(value)s' is not a date; write 2025-03-31 or 31.03.2025."), value=cells["last_verified_on"]))
    for column, attribute, tag in translations:
        if cells.get(column):
            getattr(data, attribute)[tag] = _text(cells[column])
    if data.status not in IMPORT_STATUSES:
        problems.append(table_problem(number, "status", "status_not_importable", staff_text(
            "'%(status)s' cannot be imported; use one of: %(allowed)s."), status=data.status, allowed=", ".join(IMPORT_STATUSES)))
    return data


def _key(provider: str, title: str) -> tuple[str, str]:
    return (" ".join(provider.split()).casefold(), " ".join(title.split()).casefold())


def parse_offer_table(raw: bytes, file_name: str, codes: CityCodes, existing: Mapping[int, tuple[str, str]],
                      today: dt.date | None = None) -> list[tuple[int | None, OfferInput]]:
    """Every row as (the id of the offer it updates, or None for a new one; its values).
    ``existing`` maps the stored offers' ids to their provider and German title. Raises
    ``TableImportError`` with every problem of every row."""
    table = read_table(raw, file_name, required=REQUIRED)
    problems: list[Problem] = []
    translations = _translation_columns(table.columns, problems)
    known = {"id", *TEXT_COLUMNS, *LIST_COLUMNS, *BOOL_COLUMNS, "barrier_free", "last_verified_on"}
    for column in table.columns:
        if column and column not in known and not column.startswith(("title_", "description_")):
            problems.append(table_problem(1, column, "unknown_column",
                                          staff_text("This column is unknown; see docs/offers.md for the layout.")))
    by_key = {_key(provider, title): id_ for id_, (provider, title) in existing.items()}
    rows: list[tuple[int | None, OfferInput]] = []
    seen_ids: dict[int, int] = {}
    seen_keys: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        data = _row_input(cells, translations, number, problems)
        for problem in validate(data, codes, today):  # a form field is a column here
            problems.append(problem.placed(Where(row=number, column=problem.where.field)))
        target: int | None = None
        raw_id = cells.get("id", "").strip()
        if raw_id:
            if not raw_id.isdigit() or int(raw_id) not in existing:
                problems.append(table_problem(number, "id", "no_such_id", staff_text(
                    "There is no offer with the id '%(id)s'; leave the cell empty to add a new offer."), id=raw_id))
            elif int(raw_id) in seen_ids:
                problems.append(table_problem(number, "id", "id_twice", staff_text(
                    "The id %(id)s appears twice (first in row %(first)s)."), id=raw_id, first=seen_ids[int(raw_id)]))
            else:
                seen_ids[int(raw_id)] = number
                target = int(raw_id)
        key = _key(data.provider_name, data.title.get("de", ""))
        if key in seen_keys:
            problems.append(table_problem(number, "title_de", "same_offer_twice", staff_text(
                "The same provider and German title appear in row %(first)s already."), first=seen_keys[key]))
        seen_keys.setdefault(key, number)
        if target is None and not raw_id:
            target = by_key.get(key)
        rows.append((target, data))
    if not table.rows:
        problems.append(table_problem(None, None, "no_offers", staff_text("The table has no offers.")))
    if problems:
        raise TableImportError(problems)
    return rows


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def export_offers(offers: Iterable[Any], dialect: CsvDialect = INTERNATIONAL) -> str:
    """The offers as CSV in the import layout and ``dialect`` (its byte order mark included), which
    the import reads back: either separator, ISO or German dates."""
    languages = [tag for tag in LANGUAGES if tag != "de" and any(tag in (o.title or {}) or tag in (o.description or {}) for o in offers)]
    columns = list(COLUMNS)
    columns[columns.index("description_de") + 1:columns.index("description_de") + 1] = [
        f"{attribute}_{tag}" for tag in languages for attribute in ("title", "description")]
    rows: list[list[Any]] = [columns]
    for offer in offers:
        row: dict[str, object] = {
            "id": offer.id, "provider_name": offer.provider_name, "provider_kind": offer.provider_kind,
            "cost": offer.cost, "opening_hours": offer.opening_hours, "contact_phone": offer.contact_phone,
            "contact_email": offer.contact_email, "contact_address": offer.contact_address, "website": offer.website,
            "status": offer.status if offer.status in IMPORT_STATUSES else "draft",
            "barrier_free": _yes_no(offer.barrier_free),
            "last_verified_on": offer.last_verified_on,
        }
        for column in LIST_COLUMNS:
            row[column] = ";".join(getattr(offer, column) or [])
        for column in BOOL_COLUMNS:
            row[column] = _yes_no(bool(getattr(offer, column)))
        for tag in ["de", *languages]:
            row[f"title_{tag}"] = (offer.title or {}).get(tag, "")
            row[f"description_{tag}"] = (offer.description or {}).get(tag, "")
        rows.append([row.get(column, "") for column in columns])
    return dialect.text(rows)
