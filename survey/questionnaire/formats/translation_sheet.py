"""The translator's file for one language: every text of a questionnaire (and every interface
text respondents see) with its key, source text, current translation and status, as an .xlsx
sheet or a gettext .po file; reading a filled file back and comparing it with what is stored.

No Flask, no database: the caller passes the model, the outdated keys and the interface texts,
and applies the resulting ``TranslationMerge`` (survey.store.translations).
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from survey.languages import LANGUAGES, Language
from survey.problems import Problem, Refused, Where, staff_text
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.translation import translation_units

SHEET_FORMAT = "kim-translation-sheet 1"
MAX_UPLOAD_BYTES = 1024 * 1024  # a sheet of every text of a questionnaire is some 50 KB
MAX_ROWS = 5000
MAX_TEXT_CHARS = 4000  # as for questionnaire files: a screen or two on a phone
MAIN_SHEET, ABOUT_SHEET = "Translations", "About"
# Interface texts (the respondents' "messages" catalogue) travel in the same sheet as the
# questionnaire's texts; survey.store.ui_overrides keeps a translator's changes.
KEY_PREFIX = "ui:"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")


@dataclass(frozen=True)
class UiText:
    """One interface text (one plural form of a plural message) in one language."""

    key: str  # "ui:<English msgid>", plural forms "ui:<msgid>[<n>]"
    source: str  # English (the msgid; msgid_plural for plural forms after the first)
    translation: str  # the override if there is one, else the bundled translation
    msgid: str | tuple[str, str]
    form: int | None = None  # plural form index, None for a plain message
    overridden: bool = False


def placeholders(text: str) -> list[str]:
    """The %(name)x placeholders of an interface text (Flask-Babel fills them in)."""
    return sorted(match.group(1) for match in PLACEHOLDER.finditer(text) if match.group(1))


def has_lone_percent(text: str) -> bool:
    """Jinja's gettext applies "%" formatting to every translated string: a lone "%" breaks the page."""
    return "%" in PLACEHOLDER.sub("", text)


XLSX_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


def source_hash(text: str | None) -> str:
    """The hash a translation's source text is remembered by (surrounding space does not count)."""
    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()


class Status(StrEnum):
    TRANSLATED = "translated"
    OUTDATED = "outdated"  # translated, but the source text changed since
    MISSING = "missing"
    FALLBACK = "fallback"  # missing in a partial language: respondents read another language


@dataclass(frozen=True)
class SheetInfo:
    """Which questionnaire and language a file belongs to (the About sheet / the .po header)."""

    slug: str
    version: int
    language: str
    default_language: str


@dataclass(frozen=True)
class SheetRow:
    key: str
    source: str  # default language (questionnaire texts) or English (interface texts)
    translation: str  # "" when missing
    status: Status
    note: str = ""
    source_hash: str = ""

    @property
    def is_ui(self) -> bool:
        return self.key.startswith(KEY_PREFIX)


def sheet_rows(
    model: Questionnaire, language: str, outdated: Iterable[str] = (), ui: Sequence[UiText] = ()
) -> list[SheetRow]:
    """Every row of the file for ``language``, questionnaire texts first, in reading order."""
    outdated = set(outdated)
    spec = model.language_spec(language)
    chain = model.chain(language)
    rows: list[SheetRow] = []
    for key, text in translation_units(model):
        source = text.get(model.default_language) or ""
        translation = (text.get(language) or "").strip()
        note = ""
        if translation:
            status = Status.OUTDATED if key in outdated else Status.TRANSLATED
            if status is Status.OUTDATED:
                note = "The source text changed since this was translated: check it."
        elif spec is not None and spec.partial:
            status = Status.FALLBACK
            shown = text.resolve(chain)
            note = f"Respondents now read the {shown.language} text: {shown.text}"
        else:
            status = Status.MISSING
        rows.append(SheetRow(key, source, translation, status, note, source_hash(source)))
    for item in ui:
        note = "Interface text: used by every questionnaire of this installation."
        names = _placeholders(item.source)
        if names:
            note += " Keep " + ", ".join(_placeholder_text(item.source, name) for name in names) + "."
        rows.append(SheetRow(
            item.key, item.source, item.translation.strip(),
            Status.TRANSLATED if item.translation.strip() else Status.MISSING, note, source_hash(item.source),
        ))
    return rows


def count_statuses(rows: Iterable[SheetRow]) -> dict[str, dict[Status, int]]:
    """{"texts": {...}, "ui": {...}}: rows per status, questionnaire and interface texts apart."""
    counts: dict[str, dict[Status, int]] = {"texts": dict.fromkeys(Status, 0), "ui": dict.fromkeys(Status, 0)}
    for row in rows:
        counts["ui" if row.is_ui else "texts"][row.status] += 1
    return counts


# --- placeholders ----------------------------------------------------------------------------

# %(name)s as Flask-Babel fills in; ${name} and {name} as other tools write them. A translation
# must keep the ones its source has, and may not invent others.
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\$\{(\w+)\}|\{(\w+)\}")


def _placeholders(text: str) -> list[str]:
    """Every placeholder as written, conversion included: ``%(date)d`` for ``%(date)s`` is no
    longer the same placeholder (it broke every page that showed the text)."""
    return sorted({match.group(0) for match in _PLACEHOLDER.finditer(text)})


def _placeholder_text(_text: str, placeholder: str) -> str:
    return placeholder


# --- writing ---------------------------------------------------------------------------------

HEADERS = ("key", "source", "translation", "status", "still correct? (x)", "note", "source hash")
_GREY, _WHITE = "E7E7E7", "FFFFFF"


def _set_text(cell: Any, value: str) -> None:
    """Write ``value`` as a string even if it starts with "=", so no cell ever becomes a formula."""
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"
        if value[0] in "=+-@":
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited


def write_xlsx(info: SheetInfo, rows: Sequence[SheetRow]) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    language = LANGUAGES.get(info.language)
    rtl = bool(language and language.is_rtl)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = MAIN_SHEET
    grey = PatternFill("solid", fgColor=_GREY)
    white = PatternFill("solid", fgColor=_WHITE)
    headers = (
        "key", f"source ({info.default_language})", f"translation ({info.language})", "status",
        "still correct? (x)", "note", "source hash",
    )
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(1, column)
        _set_text(cell, title)
        cell.font = Font(bold=True)
        cell.fill = grey
    source_direction = 2 if LANGUAGES.get(info.default_language) and LANGUAGES[info.default_language].is_rtl else 1
    for number, row in enumerate(rows, start=2):
        values = (row.key, row.source, row.translation, row.status.value, "", row.note, row.source_hash)
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(number, column)
            _set_text(cell, value)
            editable = column in (3, 5)
            cell.fill = white if editable else grey
            cell.protection = Protection(locked=not editable)
            if column in (2, 3, 6):
                # readingOrder: 1 left-to-right, 2 right-to-left, per text not per sheet.
                order = (2 if rtl else 1) if column == 3 else (source_direction if column == 2 else 0)
                cell.alignment = Alignment(wrap_text=True, vertical="top", readingOrder=order)
            else:
                cell.alignment = Alignment(vertical="top")
    for letter, width in zip("ABCDEFG", (34, 55, 55, 12, 12, 40, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["G"].hidden = True
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:F{max(len(rows) + 1, 2)}"
    sheet.sheet_view.rightToLeft = rtl
    # Keys and source texts are locked (no password: this guards against slips, not people);
    # resizing, filtering and typing in the white columns stay possible.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False

    about = workbook.create_sheet(ABOUT_SHEET)
    lines = [
        ("format", SHEET_FORMAT),
        ("questionnaire", info.slug),
        ("version", str(info.version)),
        ("language", info.language),
        ("default language", info.default_language),
        ("", ""),
        ("how to", "Write the translation in the white column 'translation'. Leave the grey columns as they are."),
        ("", "An empty translation cell changes nothing: an existing translation is kept."),
        ("", "Status 'outdated': the source text changed. Correct the translation, or put x in "
             "'still correct?' when it is right as it is."),
        ("", "Rows whose key starts with 'ui:' are interface texts (buttons, messages): they apply to "
             "every questionnaire. Keep placeholders such as %(date)s exactly."),
        ("", "Upload the file on the questionnaire's Translations page. Do not rename or remove sheets."),
    ]
    for number, (label, value) in enumerate(lines, start=1):
        _set_text(about.cell(number, 1), label)
        _set_text(about.cell(number, 2), value)
        about.cell(number, 1).font = Font(bold=True)
        about.cell(number, 2).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 100
    about.protection.sheet = True
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


_PO_MARKER = re.compile(
    r"kim-translation-sheet: slug=(?P<slug>[a-z0-9-]+) version=(?P<version>\d+) "
    r"language=(?P<language>[A-Za-z_-]+) default=(?P<default>[A-Za-z_-]+)"
)


_PO_LINE = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"$')


def write_po(info: SheetInfo, rows: Sequence[SheetRow]) -> bytes:
    """msgctxt = key, msgid = source text, msgstr = translation; outdated rows are fuzzy."""
    from babel.core import UnknownLocaleError
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po as babel_write_po

    language = LANGUAGES.get(info.language)
    try:
        catalogue = Catalog(locale=language.babel_locale if language else None, project=info.slug,
                            version=str(info.version), fuzzy=False)
    except (UnknownLocaleError, ValueError):
        catalogue = Catalog(project=info.slug, version=str(info.version), fuzzy=False)
    catalogue.header_comment = (
        f"# Translation of the questionnaire {info.slug} (version {info.version}) into {info.language}.\n"
        f"# kim-translation-sheet: slug={info.slug} version={info.version} language={info.language} "
        f"default={info.default_language}\n"
        "# msgctxt is the key of a text, msgid its source text, msgstr the translation. An empty\n"
        "# msgstr changes nothing. Fuzzy entries were translated from an older source text: correct\n"
        "# them, or remove the fuzzy flag when they are right as they are. Keys starting with 'ui:'\n"
        "# are interface texts used by every questionnaire. Keep this comment."
    )
    for row in rows:
        flags = ["fuzzy"] if row.status is Status.OUTDATED else []
        comments = [row.note] if row.note else []
        catalogue.add(row.source, row.translation, context=row.key, flags=flags, auto_comments=comments)
    output = io.BytesIO()
    babel_write_po(output, catalogue, width=0, sort_output=False, no_location=True)
    return output.getvalue()


# --- reading ---------------------------------------------------------------------------------


class SheetError(Refused):
    """The whole file was refused; ``problems`` say why, in words for the person uploading."""


def _refuse(code: str, template: str, /, **params: Any) -> SheetError:
    return SheetError([Problem(code, template, params)])


@dataclass(frozen=True)
class UploadedRow:
    row: int  # row number in the sheet, line number in the .po file
    key: str
    source: str
    translation: str  # "" when the cell is empty
    source_hash: str = ""
    confirmed: bool = False  # "still correct" marked (sheet) or fuzzy flag removed (.po)
    fuzzy: bool = False
    problem: Problem | None = None  # why a cell cannot be read as text (placed by ``merge_upload``)


@dataclass(frozen=True)
class UploadedFile:
    info: SheetInfo
    rows: list[UploadedRow]
    kind: str  # "xlsx" or "po"


def read_upload(raw: bytes, filename: str) -> UploadedFile:
    """Read an uploaded .xlsx sheet or .po file; ``SheetError`` when it cannot be used at all."""
    if not raw:
        raise _refuse("empty", staff_text("The file is empty."))
    if len(raw) > MAX_UPLOAD_BYTES:
        raise _refuse("too_large", staff_text("The file is larger than %(kb)s KB; a translation file is far smaller. Is it the "
                                              "right file?"), kb=MAX_UPLOAD_BYTES // 1024)
    name = filename.lower()
    if raw.startswith(OLE_MAGIC):
        raise _refuse("old_xls", staff_text("This is an old Excel .xls file; save it as .xlsx (Excel Workbook) and upload it again."))
    if raw.startswith(XLSX_MAGIC) or name.endswith(".xlsx"):
        return _read_xlsx(raw, filename)
    if name.endswith((".po", ".pot")):
        return _read_po(raw, filename)
    raise _refuse("unknown_file_type", staff_text("Upload the .xlsx or .po file downloaded on this page (other file types are not "
                                                  "read)."))


def _clean(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _cell_text(cell: Any) -> tuple[str, Problem | None]:
    """(text, problem) of a translation cell."""
    value = getattr(cell, "value", None)
    if value is None:
        return "", None
    if getattr(cell, "data_type", None) == "f":
        return "", Problem("formula", staff_text("The cell holds a formula, which is never taken over. Type the text itself; a "
                                                 "text that starts with '=' needs an apostrophe before it ('=...)."))
    if isinstance(value, bool):
        return "", Problem("not_text", staff_text("The cell holds TRUE/FALSE instead of a text; format the cell as text and type "
                                                  "the translation."))
    if isinstance(value, (int, float)):
        return (str(int(value)) if float(value).is_integer() else repr(value)), None
    if isinstance(value, str):
        return _clean(value), None
    return "", Problem("not_text", staff_text("The cell holds a date or number format instead of a text; format the cell as "
                                              "text and type the translation."))


def _plain(cell: Any) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _clean(str(value))


def _read_xlsx(raw: bytes, filename: str) -> UploadedFile:
    from survey.files import WorkbookRefused, check_workbook

    try:
        check_workbook(raw)  # size, zip bomb, entity and path checks before parsing
    except WorkbookRefused as error:
        raise SheetError(error.problems) from None
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds; none may escape as a crash
        raise _refuse("unreadable", staff_text("The workbook cannot be read (%(error)s); save it again as .xlsx."),
                      error=type(error).__name__) from None
    try:
        titles = {title.strip().lower(): title for title in workbook.sheetnames}
        if MAIN_SHEET.lower() not in titles or ABOUT_SHEET.lower() not in titles:
            if workbook.sheetnames:
                raise _refuse("not_a_sheet", staff_text(
                    "The workbook lacks the sheets '%(main)s' and '%(about)s' of a translation sheet (sheets found: %(found)s). "
                    "Download the sheet on this page and fill that one."),
                    main=MAIN_SHEET, about=ABOUT_SHEET, found=", ".join(workbook.sheetnames))
            raise _refuse("not_a_sheet", staff_text(
                "The workbook lacks the sheets '%(main)s' and '%(about)s' of a translation sheet (sheets found: none). "
                "Download the sheet on this page and fill that one."), main=MAIN_SHEET, about=ABOUT_SHEET)
        info = _about(workbook[titles[ABOUT_SHEET.lower()]])
        rows = _translation_rows(workbook[titles[MAIN_SHEET.lower()]])
    except SheetError:
        raise
    except Exception as error:
        raise _refuse("unreadable", staff_text("The workbook cannot be read (%(error)s); save it again as .xlsx."),
                      error=type(error).__name__) from None
    finally:
        workbook.close()
    return UploadedFile(info, rows, "xlsx")


def _about(sheet: Any) -> SheetInfo:
    values: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row in sheet.iter_rows(min_row=1, max_row=50, max_col=2):
            cells = list(row) + [None, None]
            label = _plain(cells[0]).lower()
            if label and label not in values:
                values[label] = _plain(cells[1])
    if values.get("format") != SHEET_FORMAT:
        raise _refuse("not_a_sheet", staff_text("The sheet '%(sheet)s' does not say 'format: %(format)s'; this is not a "
                                                "translation sheet downloaded here, or it was changed. Download it again."),
                      sheet=ABOUT_SHEET, format=SHEET_FORMAT)
    info = _info(values.get("questionnaire", ""), values.get("version", ""), values.get("language", ""),
                 values.get("default language", ""))
    if info is None:
        raise _refuse("no_target", staff_text("The sheet '%(sheet)s' lacks the questionnaire, version or language; download "
                                              "the file again and copy the translations into it."), sheet=ABOUT_SHEET)
    return info


def _info(slug: str, version: str, language: str, default: str) -> SheetInfo | None:
    """What the About sheet or .po header says; None when something is missing."""
    if not slug or not language or not default or not version.isdigit():
        return None
    return SheetInfo(slug, int(version), language, default)


def _translation_rows(sheet: Any) -> list[UploadedRow]:
    rows: list[UploadedRow] = []
    columns: dict[str, int] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, row in enumerate(sheet.iter_rows(min_row=1, max_col=len(HEADERS) + 5), start=1):
            cells = list(row)
            if number == 1:
                for index, cell in enumerate(cells):
                    title = _plain(cell).lower()
                    for name in HEADERS:
                        if title.startswith(name) and name not in columns:
                            columns[name] = index
                if "key" not in columns or "translation" not in columns:
                    raise _refuse("not_a_sheet", staff_text(
                        "The first row of the sheet '%(sheet)s' must name the columns 'key' and 'translation'; they were "
                        "changed or removed. Download the sheet again."), sheet=MAIN_SHEET)
                continue
            if number > MAX_ROWS + 1:
                raise _refuse("too_many_rows", staff_text("The sheet has more than %(maximum)s rows; a questionnaire has far "
                                                          "fewer texts."), maximum=MAX_ROWS)

            def get(name: str, cells: list[Any] = cells) -> Any:
                index = columns.get(name)
                return cells[index] if index is not None and index < len(cells) else None

            key = _plain(get("key"))
            translation, problem = _cell_text(get("translation"))
            if not key and not translation and not problem:
                continue
            rows.append(UploadedRow(
                row=number, key=key, source=_plain(get("source")), translation=translation,
                source_hash=_plain(get("source hash")),
                confirmed=_plain(get("still correct? (x)")).lower() in ("x", "yes", "ja", "1", "true", "ok", "✓", "✔"),
                problem=problem,
            ))
    return rows


def _read_po(raw: bytes, filename: str) -> UploadedFile:
    from babel.messages.pofile import PoFileError, read_po

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        number = raw[: error.start].count(b"\n") + 1
        raise SheetError([Problem("not_utf8", staff_text("The file is not UTF-8; save it as UTF-8."), where=Where(line=number))]) from None
    if "\x00" in text:
        raise _refuse("not_text", staff_text("The file contains NUL characters; it is not a .po text file."))
    # Babel reads a string without its quotes by cutting off its first and last character, so a
    # lost quote would silently store a mangled translation: refuse such a line instead.
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not _PO_LINE.match(stripped):
            raise SheetError([Problem("unquoted_line", staff_text(
                "This line of the .po file is not a quoted text (%(text)s); every msgctxt, msgid and msgstr needs its text in "
                "double quotes \"...\"."), {"text": repr(stripped[:80])}, where=Where(line=number))])
    try:
        catalogue = read_po(io.BytesIO(text.encode("utf-8")), abort_invalid=True, charset="utf-8")
    except (PoFileError, ValueError, IndexError, KeyError) as error:
        # Babel's own English words, passed on as they are.
        raise _refuse("unreadable", staff_text("The .po file cannot be read: %(reason)s."), reason=str(error)[:200]) from None
    marker = _PO_MARKER.search(catalogue.header_comment or "")
    if marker is None:
        raise _refuse("no_target", staff_text(
            "The .po file lacks the comment line 'kim-translation-sheet: ...' at its top, which says which questionnaire and "
            "language it belongs to. Download the file on this page and keep that comment."))
    info = _info(marker["slug"], marker["version"], marker["language"], marker["default"])
    if info is None:
        raise _refuse("no_target", staff_text("The .po header lacks the questionnaire, version or language; download the file "
                                              "again and copy the translations into it."))
    rows: list[UploadedRow] = []
    for message in catalogue:
        if not message.id:
            continue
        if len(rows) >= MAX_ROWS:
            raise _refuse("too_many_rows", staff_text("The file has more than %(maximum)s entries; a questionnaire has far fewer "
                                                      "texts."), maximum=MAX_ROWS)
        source = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else (message.string[0] if message.string else "")
        rows.append(UploadedRow(
            row=message.lineno or 0, key=message.context or "", source=_clean(source), translation=_clean(string or ""),
            source_hash="", confirmed=not message.fuzzy, fuzzy=message.fuzzy,
            problem=None if isinstance(message.id, str) else Problem("plural", staff_text(
                "This is a plural entry; write one translation per entry.")),
        ))
    return UploadedFile(info, rows, "po")


# --- comparing with what is stored -----------------------------------------------------------


@dataclass(frozen=True)
class Change:
    row: int
    key: str
    source: str
    before: str
    after: str


@dataclass
class TranslationMerge:
    """What an uploaded file would change; nothing is stored while ``problems`` is not empty."""

    info: SheetInfo
    kind: str
    new: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    confirmed: list[Change] = field(default_factory=list)  # outdated, declared still correct
    emptied: list[Change] = field(default_factory=list)  # empty cell, translation kept
    unchanged: int = 0
    still_missing: int = 0
    problems: list[Problem] = field(default_factory=list)  # each at its row (sheet) or line (.po) and key
    warnings: list[Problem] = field(default_factory=list)
    translations: dict[str, str] = field(default_factory=dict)  # questionnaire key -> new text
    ui_changes: dict[str, str] = field(default_factory=dict)  # "ui:..." key -> new text
    source_hashes: dict[str, str] = field(default_factory=dict)  # key -> source it was made for

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        return bool(self.translations or self.ui_changes or self.source_hashes)


def _named(tag: str) -> Language | str:
    """A language as a problem parameter: named in the reader's language on a staff page, by its
    English name in English; a tag the product does not know as it is."""
    return LANGUAGES.get(tag, tag)


def check_target(uploaded: UploadedFile, model: Questionnaire, language: str | None) -> None:
    """Refuse a file made for another questionnaire or language (``SheetError``)."""
    info = uploaded.info
    if info.slug != model.slug:
        raise _refuse("wrong_questionnaire", staff_text(
            "This file belongs to the questionnaire '%(file_slug)s', not '%(slug)s'. Upload it on the Translations page of "
            "'%(file_slug)s'."), file_slug=info.slug, slug=model.slug)
    if language and info.language != language:
        raise _refuse("wrong_language", staff_text("This file is for %(file_name)s (%(file_language)s), not %(name)s (%(language)s). "
                                                   "Choose %(file_language)s as the language, or upload the right file."),
                      file_name=_named(info.language), file_language=info.language,
                      name=_named(language), language=language)
    if info.language not in model.language_codes:
        raise _refuse("wrong_language", staff_text("The questionnaire does not offer %(name)s (%(language)s)."),
                      name=_named(info.language), language=info.language)
    if info.language == model.default_language:
        raise _refuse("wrong_language", staff_text("%(language)s is the questionnaire's default language, the source of every "
                                                   "translation; edit it in the questionnaire itself."), language=info.language)
    if info.default_language != model.default_language:
        raise _refuse("wrong_language", staff_text("The file was made from %(file_default)s texts, but the questionnaire's "
                                                   "default language is now %(default)s. Download a new file."),
                      file_default=info.default_language, default=model.default_language)


def merge_upload(uploaded: UploadedFile, model: Questionnaire, current: Sequence[SheetRow], version_number: int) -> TranslationMerge:
    """Compare an uploaded file (checked with ``check_target``) with the stored rows."""
    merge = TranslationMerge(uploaded.info, uploaded.kind)
    xlsx = uploaded.kind == "xlsx"
    by_key = {row.key: row for row in current}
    seen: dict[str, int] = {}
    if uploaded.info.version != version_number:
        merge.warnings.append(Problem("other_version", staff_text(
            "The file was made for version %(file_version)s; the translations go into version %(version)s. Texts "
            "whose source changed in between stay marked outdated."
        ), {"file_version": uploaded.info.version, "version": version_number}, "warning"))
    for item in uploaded.rows:
        where = _where(uploaded.kind, item.row, item.key)
        if item.problem is not None:
            merge.problems.append(item.problem.placed(where))
            continue
        if not item.key:
            if item.translation:
                merge.problems.append(Problem("no_key", staff_text(
                    "This row has a translation but no key (column key); keys must stay as downloaded."
                ) if xlsx else staff_text(
                    "This entry has a translation but no key (msgctxt); keys must stay as downloaded."
                ), where=where))
            continue
        row = by_key.get(item.key)
        if row is None:
            merge.problems.append(Problem("unknown_key", staff_text(
                "The key is unknown: the questionnaire has no such text (any more). Keys must stay as downloaded; "
                "download a new file if the questionnaire changed."
            ), where=_where(uploaded.kind, item.row, item.key[:120])))
            continue
        if item.key in seen:
            merge.problems.append(Problem("key_twice", staff_text(
                "The key appears twice (also in row %(other)s); keep one."
            ) if xlsx else staff_text(
                "The key appears twice (also in line %(other)s); keep one."
            ), {"other": seen[item.key]}, where=where))
            continue
        seen[item.key] = item.row
        _merge_row(merge, item, row, where)
    return merge


def _where(kind: str, number: int, key: str) -> Where:
    """A row of the sheet, or the line of an entry in the .po file, with the text's key."""
    return Where(row=number, key=key) if kind == "xlsx" else Where(line=number, key=key)


def _merge_row(merge: TranslationMerge, item: UploadedRow, row: SheetRow, where: Where) -> None:
    text = item.translation
    if not text:
        if row.translation:
            merge.emptied.append(Change(item.row, row.key, row.source, row.translation, ""))
        else:
            merge.still_missing += 1
        return
    problem = _check_text(text, row)
    if problem is not None:
        merge.problems.append(problem.placed(where))
        return
    made_for = item.source_hash or (source_hash(item.source) if item.source else row.source_hash)
    if not row.is_ui and made_for != row.source_hash:
        merge.warnings.append(Problem("source_changed", staff_text(
            "The source text changed after the file was made; the translation is stored but stays marked outdated."
        ), severity="warning", where=where))
    if text == row.translation:
        if row.status is Status.OUTDATED and item.confirmed:
            merge.confirmed.append(Change(item.row, row.key, row.source, text, text))
            merge.source_hashes[row.key] = made_for
        else:
            merge.unchanged += 1
        return
    if item.fuzzy:
        merge.warnings.append(Problem("fuzzy", staff_text(
            "The entry is still marked fuzzy (needs work), so it was not taken over; remove the fuzzy flag when it is done."
        ), severity="warning", where=where))
        return
    change = Change(item.row, row.key, row.source, row.translation, text)
    (merge.changed if row.translation else merge.new).append(change)
    if row.is_ui:
        merge.ui_changes[row.key] = text
    else:
        merge.translations[row.key] = text
        merge.source_hashes[row.key] = made_for


def _check_text(text: str, row: SheetRow) -> Problem | None:
    """Why a translation cannot be stored (not yet placed); None when it can."""
    if len(text) > MAX_TEXT_CHARS:
        return Problem("too_long", staff_text("The translation is %(length)s characters long; at most %(maximum)s fit a phone "
                                              "screen. Shorten it."), {"length": len(text), "maximum": MAX_TEXT_CHARS})
    if "\x00" in text:
        return Problem("not_text", staff_text("The translation contains a NUL character; retype it."))
    source_names, names = set(_placeholders(row.source)), set(_placeholders(text))
    plural_form = row.is_ui and row.key.endswith("]") and row.key.rsplit("[", 1)[-1][:-1].isdigit()
    missing = sorted(source_names - names)
    invented = sorted(names - source_names)
    if invented:
        return Problem("placeholders", staff_text(
            "The translation has the placeholder(s) %(names)s, which the source text does not have; placeholders must stay "
            "exactly as in the source."), {"names": ", ".join(invented)})
    # A plural form may leave out the number ("one character"), so only plain texts must keep all.
    if missing and not plural_form:
        return Problem("placeholders", staff_text(
            "The translation lacks the placeholder(s) %(names)s of the source text; copy them unchanged into the translation."),
            {"names": ", ".join(_placeholder_text(row.source, n) for n in missing)})
    if row.is_ui and has_lone_percent(text):
        # No parameters: the template is not %-formatted, so '%%' here is what the person types.
        return Problem("lone_percent", staff_text(
            "An interface text may contain '%' only as '%%' or in a placeholder such as %(date)s; write '%%'."))
    # Jinja's gettext marks every interface text as safe HTML (it is never escaped): markup or a
    # double quote would become part of the page (a script, an attribute) on every respondent page.
    markup = [char for char in '<>"' if char in text and char not in row.source]
    if row.is_ui and markup:
        return Problem("markup", staff_text(
            "An interface text becomes part of the page's HTML, so it may not contain %(characters)s; use other quotation "
            "marks such as « » or „ “."), {"characters": " ".join(markup)})
    return None
