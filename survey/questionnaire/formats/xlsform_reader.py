"""Read an XLSForm (.xlsx with the sheets survey, choices, settings) -> the same located data
the YAML reader produces -> the ordinary validated model.

The workbook is checked as a zip archive before openpyxl opens it (size, number of members,
compression ratio, member names, XML entity declarations). Every problem (survey/problems.py) is
placed at its sheet, row and column (the cell ``survey!H12``), or the whole row or sheet, and says
in a whole sentence what is wrong. Rows the product does not support are skipped with a warning
that says why; logic that cannot be translated is refused (``relevant``: dropping it would change
who is asked what) or dropped with a warning (``constraint``), the expression's own problem as the
reason.

The stored source of an imported XLSForm is the YAML written by ``writer_yaml``, so the rest of
the application only ever re-reads YAML.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import typing
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from survey.files import WorkbookRefused, check_workbook
from survey.languages import LANGUAGES
from survey.problems import Problem, Severity, Where, staff_text
from survey.questionnaire.builder import AUDIO_NAME_PATTERN, DEFAULT_MAX_LENGTH, HARD_MAX_LENGTH, build_questionnaire
from survey.questionnaire.conditions.expression import Binary, Call, Condition, Literal, Name, Node, Unary, _equal
from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.located_yaml import LocDict, LocList
from survey.questionnaire.formats.xlsform_expressions import (
    ExpressionError,
    condition_source,
    xlsform_to_tree,
)
from survey.questionnaire.formats.yaml_reader import LoadedQuestionnaire
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from survey.questionnaire.model import MUNICIPALITY, IntegrationField, QuestionType

MAX_ROWS = 20000  # per sheet
MAX_COLUMNS = 200
MAX_TEXT_CHARS = 4000  # a label, hint or message; a screen or two on a phone
MAX_OPTIONS = 20000  # options of all questions together (a list used by many questions counts each time)

# --- languages -----------------------------------------------------------------------------

_LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "arabic": "ar", "farsi": "fa", "persian": "fa", "dari": "prs", "pashto": "ps",
    "pashtu": "ps", "pushto": "ps", "kurmanji": "kmr", "sorani": "ckb", "tigrinya": "ti",
    "tigrigna": "ti", "turkish": "tr", "ukrainian": "uk", "russian": "ru", "romanian": "ro",
    "bulgarian": "bg", "somali": "so", "french": "fr", "german": "de",
}
for _language in LANGUAGES.values():
    _LANGUAGE_NAMES.setdefault(_language.english_name.lower(), _language.tag)
    _LANGUAGE_NAMES.setdefault(_language.native_name.lower(), _language.tag)
_LANGUAGE_CODES: dict[str, str] = {
    **{tag.lower(): tag for tag in LANGUAGES},
    "ara": "ar", "eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "fas": "fa",
    "per": "fa", "pus": "ps", "pbt": "ps", "pst": "ps", "tir": "ti", "tur": "tr", "ukr": "uk",
    "rus": "ru", "ron": "ro", "rum": "ro", "bul": "bg", "som": "so", "fa-af": "prs", "fa_af": "prs",
}
# Display names used when writing columns (label::Persian (fa)), short enough to read.
COLUMN_NAMES = {"fa": "Persian", "kmr": "Kurmanji", "ckb": "Sorani"}


def column_language(tag: str) -> str:
    """``Arabic (ar)``: the language part of a column header such as ``label::Arabic (ar)``."""
    return f"{COLUMN_NAMES.get(tag, LANGUAGES[tag].english_name)} ({tag})"


Unresolved = typing.Literal["kurdish", "unknown"]


def resolve_language(text: str) -> tuple[str | None, Unresolved | None]:
    """The language tag a column header means (``English (en)``, ``Arabic``, ``ar``, ``Dari (prs)``),
    or None with why not: "kurdish" (ambiguous) or "unknown"."""
    text = " ".join(text.split())
    match = re.search(r"\(([^()]*)\)\s*$", text)
    code = match.group(1).strip() if match else None
    name = text[: match.start()].strip() if match else text
    for candidate in ([code] if code else []) + [name]:
        key = candidate.lower()
        if key in ("ku", "kur", "kurdish"):
            return None, "kurdish"
        if key in _LANGUAGE_CODES:
            return _LANGUAGE_CODES[key], None
        primary = re.split(r"[-_]", key)[0]
        if re.fullmatch(r"[a-z]{2,3}([-_][a-z0-9]+)+", key) and primary in _LANGUAGE_CODES:
            return _LANGUAGE_CODES[primary], None  # a tag with a region: ar-SY
        if key in _LANGUAGE_NAMES:
            return _LANGUAGE_NAMES[key], None
    return None, "unknown"


def known_languages() -> str:
    """The languages a column may name, as a column header names them."""
    return ", ".join(column_language(tag) for tag in LANGUAGES)


# --- the zip container ---------------------------------------------------------------------


def _refuse(source_name: str, code: str, template: str, /, sheet: str = "", **params: Any) -> QuestionnaireError:
    return QuestionnaireError(source_name, [Problem(code, template, params, where=Where(sheet=sheet))])


# --- sheets --------------------------------------------------------------------------------


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


def _text_value(value: Any) -> str | None:
    value = _cell_value(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, tuple[Any, ...]]]  # (row number, values), blank rows left out


def read_sheets(raw: bytes, source_name: str) -> dict[str, Sheet]:
    """The sheets survey, choices and settings (names compared without case), as values."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except QuestionnaireError:
        raise
    except Exception as error:  # openpyxl raises many kinds; none may escape as a crash
        raise _refuse(source_name, "unreadable", staff_text("The workbook cannot be read (%(error)s); save it again as .xlsx."),
                      error=type(error).__name__) from None
    sheets: dict[str, Sheet] = {}
    try:
        titles = {title.strip().lower(): title for title in workbook.sheetnames}
        for wanted in ("survey", "choices", "settings"):
            if wanted not in titles:
                continue
            rows: list[tuple[int, tuple[Any, ...]]] = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for number, values in enumerate(
                    workbook[titles[wanted]].iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1
                ):
                    if number > MAX_ROWS:
                        raise _refuse(source_name, "too_many_rows", staff_text("The sheet has more than %(maximum)s rows."),
                                      sheet=wanted, maximum=MAX_ROWS)
                    cleaned = tuple(_cell_value(value) for value in values)
                    if any(value is not None for value in cleaned):
                        rows.append((number, cleaned))
            sheets[wanted] = Sheet(wanted, rows)
        if "survey" not in sheets:
            if not workbook.sheetnames:
                raise _refuse(source_name, "no_survey_sheet", staff_text(
                    "The workbook has no sheet named 'survey' (sheets found: none); an XLSForm needs the sheets survey and choices."))
            raise _refuse(source_name, "no_survey_sheet", staff_text(
                "The workbook has no sheet named 'survey' (sheets found: %(found)s); an XLSForm needs the sheets survey and "
                "choices."), found=", ".join(repr(title) for title in workbook.sheetnames))
    except QuestionnaireError:
        raise
    except Exception as error:
        raise _refuse(source_name, "unreadable", staff_text("The workbook cannot be read (%(error)s); save it again as .xlsx."),
                      error=type(error).__name__) from None
    finally:
        workbook.close()
    return sheets


# --- headers -------------------------------------------------------------------------------

_ALIASES = {
    "list_name": "list_name", "listname": "list_name", "jr:constraintmsg": "constraint_message",
    "jr:requiredmsg": "required_message", "relevance": "relevant", "media::audio": "audio",
    "media::image": "image", "media::video": "video", "media::big-image": "big-image",
}
LANGUAGE_COLUMNS = {"label", "hint", "constraint_message", "audio", "required_message", "guidance_hint",
                    "image", "video", "big-image", "form_title", "kim_intro"}


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    base: str
    language: str | None  # the text after '::', unresolved

    @property
    def letter(self) -> str:
        return column_letter(self.index)


def parse_header(index: int, value: Any) -> Column | None:
    text = _text_value(value)
    if text is None:
        return None
    parts = [part.strip() for part in text.split("::")]
    base = "_".join(parts[0].lower().split())
    rest = parts[1:]
    if base == "media" and rest:
        base, rest = f"media::{rest[0].lower()}", rest[1:]
    base = _ALIASES.get(base, base)
    language = "::".join(rest).strip() or None
    return Column(index, text, base, language)


# --- the reader ----------------------------------------------------------------------------

METADATA_TYPES = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
                  "username", "email", "audit", "imei", "start-geopoint", "background-geopoint"}
# type -> the warning that its rows are skipped, and why (``%(type)s``: the type as written).
_NO_LOCATIONS = staff_text("The '%(type)s' row is skipped: locations are not collected, to protect respondents.")
_NO_RECORDINGS = staff_text("The '%(type)s' row is skipped: recordings are not collected.")
_NO_VIDEOS = staff_text("The '%(type)s' row is skipped: videos are not collected.")
_NO_FILE_CHOICES = staff_text("The '%(type)s' row is skipped: choices from external files are not supported.")
_NO_EXTERNAL_DATA = staff_text("The '%(type)s' row is skipped: external data is not supported.")
UNSUPPORTED_TYPES = {
    "calculate": staff_text("The '%(type)s' row is skipped: calculated values are not supported, nothing is computed from the "
                            "answers."),
    "hidden": staff_text("The '%(type)s' row is skipped: hidden values are not supported."),
    "geopoint": _NO_LOCATIONS, "geotrace": _NO_LOCATIONS, "geoshape": _NO_LOCATIONS,
    "image": staff_text("The '%(type)s' row is skipped: photos are not collected."),
    "audio": _NO_RECORDINGS, "background-audio": _NO_RECORDINGS, "video": _NO_VIDEOS, "background-video": _NO_VIDEOS,
    "file": staff_text("The '%(type)s' row is skipped: file uploads are not supported."),
    "barcode": staff_text("The '%(type)s' row is skipped: barcode scanning is not supported."),
    "time": staff_text("The '%(type)s' row is skipped: times of day are not supported."),
    "datetime": staff_text("The '%(type)s' row is skipped: date and time values are not supported (use date)."),
    "acknowledge": staff_text("The '%(type)s' row is skipped: acknowledge questions are not supported."),
    "rank": staff_text("The '%(type)s' row is skipped: ranking questions are not supported."),
    "trigger": staff_text("The '%(type)s' row is skipped: trigger questions are not supported."),
    "select_one_from_file": _NO_FILE_CHOICES, "select_multiple_from_file": _NO_FILE_CHOICES,
    "xml-external": _NO_EXTERNAL_DATA, "csv-external": _NO_EXTERNAL_DATA,
}
RELEVANT_UNTRANSLATABLE = staff_text("The relevant %(expression)s cannot be translated.")
METADATA_SKIPPED = staff_text("The '%(type)s' row is skipped: it is metadata about the interview or the device, which is not "
                              "collected, on purpose: respondents stay anonymous.")
KIM_TYPES = {  # kim_type column (written by writer_xlsform) -> the XLSForm types it may refine
    "yes_no": {"select_one"}, "scale": {"select_one"}, "district": {"select_one"},
    "year": {"integer"}, "long_text": {"text"},
}
TRUE_WORDS = {"yes", "true", "t", "y", "1", "true()"}
FALSE_WORDS = {"no", "false", "f", "n", "0", "false()"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_STRING_LENGTH = re.compile(r"^\s*string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)\s*$")


OPTION_CODE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,47}$")  # builder.OPTION_CODE_PATTERN


def option_code_for(name: str) -> str:
    """A choice name as an option code: ``al_sena'a`` -> ``al_sena_a``."""
    code = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    code = code if code[:1].isalnum() or code[:1] == "_" else "_" + code
    return code[:48]


def code_for(name: str) -> str:
    """An XLSForm name as a question or section code: ``repeatNum`` -> ``repeat_num``."""
    code = _CAMEL.sub("_", name).lower()
    code = re.sub(r"[^a-z0-9_]+", "_", code)
    code = re.sub(r"_+", "_", code).strip("_")
    if not code or not code[0].isalpha():
        code = "q_" + code
    return code


def slug_for(text: str) -> str:
    slug = _CAMEL.sub("-", text).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")[:64].strip("-")
    return slug if len(slug) >= 2 else (slug + "-form" if slug else "form")


def parse_bool(value: Any) -> bool | None:
    """yes/true/TRUE/T/1 and no/false/F/0 (None for anything else, such as an expression)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else None
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS or not word:
        return False
    return None


@dataclass
class Place:
    """Where a part of the built data came from, to report builder problems by cell."""

    sheet: str
    row: int
    columns: dict[str, str] = field(default_factory=dict)  # data key (label.ar) -> column letter


@dataclass
class SurveyRow:
    number: int
    type: str  # normalised: "integer", "select_one", "begin_group", ...
    raw_type: str
    name: str | None
    list_name: str | None = None
    or_other: bool = False
    code: str | None = None
    skipped: bool = False  # not imported; a problem at the row (or its repeat) says why


@dataclass
class Group:
    row: SurveyRow
    kind: str  # "group" or "repeat"
    condition: Node | None = None


class XLSFormReader:
    def __init__(self, sheets: dict[str, Sheet], source_name: str) -> None:
        self.sheets = sheets
        self.source_name = source_name
        self.problems: list[Problem] = []
        self.places: dict[str, Place] = {}  # data path (sections[0].questions[2]) -> place
        self.entry_places: dict[int, Place] = {}  # id of a section/question/option mapping -> place
        self.texts: list[LocDict] = []  # every text built, to find partial languages
        self.columns: dict[str, dict[str, Column]] = {}  # sheet -> key (label::ar, type) -> column
        self.languages: list[str] = []
        self.default_language = "en"
        self.recoded: dict[str, dict[str, str]] = {}  # list name -> choice name -> option code
        self.list_of: dict[str, str] = {}  # question code -> its choice list
        self.option_codes: dict[str, set[str]] = {}  # question code -> its option codes
        self.option_count = 0

    # --- reporting -------------------------------------------------------------------------

    def where(self, sheet: str, row: int | None, column: str | None) -> Where:
        """A cell, a whole row or sheet, or ("") the file as a whole."""
        return Where(file=self.source_name, sheet=sheet, row=row, column=column or "")

    def problem(self, sheet: str, row: int | None, column: str | None, code: str, template: str, /,
                severity: Severity = "error", reason: ExpressionError | None = None, **params: Any) -> None:
        """An error at a cell, row or sheet: ``template`` is a whole sentence marked with
        ``staff_text`` where it is written; ``reason``: the expression's own problem, placed at
        its character."""
        where = self.where(sheet, row, column)
        if reason is not None and reason.position is not None:
            where = replace(where, character=reason.position + 1)
        self.problems.append(Problem(code, template, params, severity, where, reason.problem if reason is not None else None))

    def warning(self, sheet: str, row: int | None, column: str | None, code: str, template: str, /,
                reason: ExpressionError | None = None, **params: Any) -> None:
        self.problem(sheet, row, column, code, template, "warning", reason, **params)

    def relocate(self, problems: Iterable[Problem]) -> list[Problem]:
        """Builder problems (paths such as sections[1].questions[2].label.ar) by sheet and cell:
        the data's path and lines mean nothing in a workbook."""
        relocated = []
        for problem in problems:
            path = problem.where.path
            best = path  # the longest registered prefix, cutting at dots
            while best and best not in self.places:
                best = best.rpartition(".")[0]
            place = self.places.get(best)
            if place is None:
                relocated.append(problem)
                continue
            suffix = path[len(best) + 1:] if best else path
            letter = place.columns.get(suffix) or place.columns.get(suffix.split(".")[0])
            relocated.append(problem.placed(self.where(place.sheet, place.row, letter or None)))
        return relocated

    # --- columns and cells -----------------------------------------------------------------

    def read_header(self, sheet: Sheet) -> tuple[int, dict[str, Column]]:
        """The header row (the first non-blank row) as key -> column; keys are bases
        (type, name) or base::tag for columns in a language (label::ar); a plain label column is
        keyed label::. Unknown languages are reported once per column."""
        header_row, values = sheet.rows[0]
        columns: dict[str, Column] = {}
        for index, value in enumerate(values):
            column = parse_header(index, value)
            if column is None:
                continue
            key = column.base
            if column.base in ("image", "video", "big-image"):
                self.warning(sheet.name, header_row, column.letter, "column_ignored",
                             staff_text("The column '%(header)s' is ignored: pages show no images or videos (audio clips are kept)."),
                             header=column.header)
                continue
            if column.base in LANGUAGE_COLUMNS:
                if column.language is None:
                    key = f"{column.base}::"
                else:
                    tag, why = resolve_language(column.language)
                    if tag is None:
                        template = (staff_text("The column '%(header)s' is skipped: Kurdish is ambiguous here; name the column "
                                               "Kurmanji (kmr) or Sorani (ckb).") if why == "kurdish"
                                    else staff_text("The column '%(header)s' is skipped: its language is not one this product "
                                                    "offers (%(known)s)."))
                        self.warning(sheet.name, header_row, column.letter, "unknown_language", template,
                                     header=column.header, known=known_languages())
                        continue
                    key = f"{column.base}::{tag}"
            if key in columns:
                if column.base in LANGUAGE_COLUMNS or column.base in ("type", "name", "list_name", "relevant", "constraint",
                                                                       "required", "choice_filter", "appearance", "kim_type"):
                    self.problem(sheet.name, header_row, column.letter, "column_twice",
                                 staff_text("The column '%(header)s' repeats column %(other)s ('%(other_header)s'); remove one."),
                                 header=column.header, other=columns[key].letter, other_header=columns[key].header)
                continue
            columns[key] = column
        self.columns[sheet.name] = columns
        return header_row, columns

    def get(self, sheet: str, values: tuple[Any, ...], key: str) -> Any:
        column = self.columns[sheet].get(key)
        if column is None or column.index >= len(values):
            return None
        return values[column.index]

    def letter(self, sheet: str, key: str) -> str | None:
        column = self.columns[sheet].get(key)
        return column.letter if column else None

    def text(
        self, sheet: str, row: int, values: tuple[Any, ...], base: str, place: Place, key: str, optional: bool = False
    ) -> LocDict | None:
        """A text from the columns base::<language> of the declared languages. An ``optional``
        text (hint, constraint_message) without the default language is left out with a warning."""
        text = LocDict(line=row)
        for language in self.languages:
            column_key = f"{base}::{language}"
            value = _text_value(self.get(sheet, values, column_key))
            if value is None:
                continue
            letter = self.letter(sheet, column_key)
            if len(value) > MAX_TEXT_CHARS:  # refused; kept so that no second error follows
                self.problem(sheet, row, letter, "too_long", staff_text("The text is %(length)s characters long; at most %(maximum)s "
                                                                        "fit a phone screen. Shorten it."),
                             length=len(value), maximum=MAX_TEXT_CHARS)
            text[language] = value
            text.key_lines[language] = row
            place.columns[f"{key}.{language}" if key else language] = letter or ""
            place.columns.setdefault(key, letter or "")
        if not text:
            return None
        if optional and self.default_language not in text:
            first = next(iter(text))
            self.warning(sheet, row, place.columns.get(f"{key}.{first}") or None, "no_default_text",
                         staff_text("The %(column)s is left out: it has no %(language)s text, which every text needs."),
                         column=base, language=column_language(self.default_language))
            return None
        self.texts.append(text)
        return text

    def audio(self, sheet: str, row: int, values: tuple[Any, ...], place: Place) -> LocDict | None:
        clips = LocDict(line=row)
        for language in self.languages:
            name = _text_value(self.get(sheet, values, f"audio::{language}"))
            if name is None:
                continue
            letter = self.letter(sheet, f"audio::{language}")
            if not AUDIO_NAME_PATTERN.match(name):
                self.warning(sheet, row, letter, "bad_audio_name",
                             staff_text("The audio file %(name)s is skipped: give the name of a .ogg, .opus, .mp3, .m4a or .webm file "
                                        "without a folder."), name=repr(name[:60]))
                continue
            clips[language] = name
            clips.key_lines[language] = row
            place.columns[f"audio.{language}"] = letter or ""
        return clips or None

    # --- languages and settings ------------------------------------------------------------

    def settings(self) -> tuple[int | None, tuple[Any, ...]]:
        sheet = self.sheets.get("settings")
        if sheet is None or len(sheet.rows) < 2:
            if sheet is not None and sheet.rows:
                self.read_header(sheet)
            else:
                self.columns["settings"] = {}
            return None, ()
        self.read_header(sheet)
        return sheet.rows[1]

    def decide_languages(self, settings_values: tuple[Any, ...], settings_row: int | None) -> None:
        """The questionnaire's languages: those of the label columns, the default first."""
        found: list[str] = []
        plain: list[tuple[str, Column]] = []
        for sheet in ("survey", "choices"):
            for key, column in self.columns.get(sheet, {}).items():
                if key.startswith("label::") and key != "label::":
                    found.append(key.split("::", 1)[1])
                elif key == "label::":
                    plain.append((sheet, column))
        wanted = _text_value(self.get("settings", settings_values, "default_language"))
        default: str | None = None
        if wanted:
            default, why = resolve_language(wanted)
            if default is None:
                template = (staff_text("The default_language is ignored: Kurdish is ambiguous here; write Kurmanji (kmr) or "
                                       "Sorani (ckb).") if why == "kurdish"
                            else staff_text("The default_language is ignored: %(name)s is not a language this product offers "
                                            "(%(known)s)."))
                self.warning("settings", settings_row, self.letter("settings", "default_language"), "unknown_language", template,
                             name=repr(wanted), known=known_languages())
        if plain:
            tag = default
            if tag is None:
                tag = "en"
                sheet, column = plain[0]
                self.warning(sheet, self.sheets[sheet].rows[0][0], column.letter, "label_without_language",
                             staff_text("The column 'label' names no language; it is taken as English (en). Write "
                                        "label::German (de) or set default_language in the settings sheet if that is wrong."))
            for sheet, column in plain:
                columns = self.columns[sheet]
                del columns["label::"]
                if f"label::{tag}" in columns:
                    self.warning(sheet, self.sheets[sheet].rows[0][0], column.letter, "column_twice",
                                 staff_text("The column 'label' is skipped: the column label::%(tag)s gives that language already."),
                                 tag=tag)
                else:
                    columns[f"label::{tag}"] = column
                for base in ("hint", "constraint_message", "audio"):
                    if f"{base}::" in columns:
                        moved = columns.pop(f"{base}::")
                        columns.setdefault(f"{base}::{tag}", moved)
            found.insert(0, tag)
        for sheet in ("survey", "choices", "settings"):  # plain hint/title columns without a label column
            columns = self.columns.get(sheet, {})
            for base in ("hint", "constraint_message", "audio", "form_title", "kim_intro"):
                if f"{base}::" in columns:
                    tag = default or (found[0] if found else "en")
                    columns.setdefault(f"{base}::{tag}", columns.pop(f"{base}::"))
        self.languages = list(dict.fromkeys(found))
        if not self.languages:
            self.problem("survey", self.sheets["survey"].rows[0][0], None, "no_label_column",
                         staff_text("No label column is in a language this product offers; name them like label::English (en), "
                                    "label::Arabic (ar)."))
            return
        self.default_language = default if default in self.languages else self.languages[0]
        if default is not None and default not in self.languages:
            self.warning("settings", settings_row, self.letter("settings", "default_language"), "no_label_column",
                         staff_text("The default_language %(wanted)s has no label column; %(default)s is the default language "
                                    "instead."), wanted=repr(default), default=repr(self.default_language))
        self.languages.remove(self.default_language)
        self.languages.insert(0, self.default_language)
        for sheet in ("survey", "choices", "settings"):
            for key, column in self.columns.get(sheet, {}).items():
                base, _, tag = key.partition("::")
                translatable = ("hint", "constraint_message", "audio", "label", "form_title", "kim_intro")
                if tag and base in translatable and tag not in self.languages:
                    header_row = self.sheets[sheet].rows[0][0]
                    self.warning(sheet, header_row, column.letter, "no_label_column",
                                 staff_text("The column '%(header)s' is skipped: there is no label column in that language."),
                                 header=column.header)

    # --- the survey sheet ------------------------------------------------------------------

    def classify(self, number: int, values: tuple[Any, ...]) -> SurveyRow | None:
        raw = _text_value(self.get("survey", values, "type"))
        name = _text_value(self.get("survey", values, "name"))
        if raw is None:
            if name is not None:
                self.warning("survey", number, self.letter("survey", "type"), "no_type",
                             staff_text("The row '%(name)s' has no type and is skipped."), name=name)
            return None
        words = raw.split()
        lowered = [word.lower() for word in words]
        if lowered[:2] in (["begin", "group"], ["begin", "repeat"], ["end", "group"], ["end", "repeat"]):
            lowered = [f"{lowered[0]}_{lowered[1]}"] + lowered[2:]
            words = [lowered[0]] + words[2:]
        if lowered[:2] in (["select", "one"], ["select", "multiple"]):
            lowered = [f"select_{lowered[1]}"] + lowered[2:]
            words = [lowered[0]] + words[2:]
        kind = lowered[0]
        row = SurveyRow(number, kind, raw, name)
        if kind in ("select_one", "select_multiple"):
            if len(words) < 2:
                self.problem("survey", number, self.letter("survey", "type"), "bad_type",
                             staff_text("'%(type)s' needs the name of a choice list, e.g. '%(select)s yes_no'."), type=raw, select=kind)
                row.skipped = True
                return row
            row.list_name = words[1]
            rest = lowered[2:]
            if rest == ["or_other"]:
                row.or_other = True
            elif rest:
                self.problem("survey", number, self.letter("survey", "type"), "bad_type",
                             staff_text("The type '%(type)s' cannot be read; write '%(select)s LIST' or '%(select)s LIST or_other'."),
                             type=raw, select=kind)
                row.skipped = True
        elif (len(lowered) > 1 and kind not in ("begin_group", "end_group", "begin_repeat", "end_repeat")
              and kind not in METADATA_TYPES and kind not in UNSUPPORTED_TYPES):
            self.problem("survey", number, self.letter("survey", "type"), "bad_type",
                         staff_text("The type '%(type)s' cannot be read."), type=raw)
            row.skipped = True
        return row

    def read(self) -> LocDict | None:
        survey = self.sheets["survey"]
        if not survey.rows:
            self.problem("survey", None, None, "empty_sheet", staff_text("This sheet is empty."))
            return None
        header_row, columns = self.read_header(survey)
        for required in ("type", "name"):
            if required not in columns:
                self.problem("survey", header_row, None, "missing_column",
                             staff_text("This sheet has no column '%(name)s' in its first row."), name=required)
        choices_sheet = self.sheets.get("choices")
        if choices_sheet is not None and choices_sheet.rows:
            self.read_header(choices_sheet)
        else:
            self.columns["choices"] = {}
        settings_row, settings_values = self.settings()
        self.decide_languages(settings_values, settings_row)
        if any(p.severity == "error" for p in self.problems):
            return None
        lists = self.read_choices()
        rows = [row for number, values in survey.rows[1:] if (row := self.classify(number, values)) is not None]
        values_by_row = dict(survey.rows)
        self.mark_skipped(rows, values_by_row)
        return self.build(rows, values_by_row, lists, settings_row, settings_values)

    def mark_skipped(self, rows: list[SurveyRow], values_by_row: dict[int, tuple[Any, ...]]) -> None:
        """Decide which rows are not imported, say why, and give every other row its code."""
        repeat_depth = 0
        repeat_start: SurveyRow | None = None
        inside: list[str] = []
        type_letter = self.letter("survey", "type")
        codes: dict[str, SurveyRow] = {}
        for row in rows:
            if row.type == "begin_repeat":
                repeat_depth += 1
                if repeat_depth == 1:
                    repeat_start, inside = row, []
                row.skipped = True
                continue
            if row.type == "end_repeat":
                if repeat_depth == 0:
                    self.problem("survey", row.number, type_letter, "unmatched_end",
                                 staff_text("This 'end repeat' has no 'begin repeat' before it."))
                else:
                    repeat_depth -= 1
                    if repeat_depth == 0 and repeat_start is not None:
                        self.report_repeat(repeat_start, row, inside)
                row.skipped = True
                continue
            if repeat_depth:  # the repeat's warning names the questions
                if row.name and row.type not in ("begin_group", "end_group"):
                    inside.append(row.name)
                row.skipped = True
                continue
            if row.skipped:
                continue
            if row.type in METADATA_TYPES or row.type in UNSUPPORTED_TYPES:
                row.skipped = True
                self.warning("survey", row.number, type_letter, "row_skipped",
                             METADATA_SKIPPED if row.type in METADATA_TYPES else UNSUPPORTED_TYPES[row.type], type=row.raw_type)
                continue
            if row.type == "end_group":
                continue
            if row.type not in ("integer", "decimal", "text", "date", "note", "select_one", "select_multiple", "range", "begin_group"):
                self.problem("survey", row.number, type_letter, "unknown_type",
                             staff_text("Unknown type '%(type)s'; see docs/questionnaire-format.md, section XLSForm, for the types this "
                                        "product reads."), type=row.raw_type)
                row.skipped = True
                continue
            if not row.name:
                self.problem("survey", row.number, self.letter("survey", "name"), "no_name",
                             staff_text("The '%(type)s' row needs a name."), type=row.raw_type)
                if row.type == "begin_group":  # kept, so that its 'end group' still matches
                    row.name = row.code = f"group_{row.number}"
                else:
                    row.skipped = True
                continue
            row.code = code_for(row.name)
            if row.code != row.name:
                self.warning("survey", row.number, self.letter("survey", "name"), "name_recoded",
                             staff_text("The name '%(name)s' becomes the code '%(code)s' (codes use a-z, 0-9 and '_'); "
                                        "exports and conditions use the code."), name=row.name, code=row.code)
            if row.type != "begin_group":
                if row.code in codes and codes[row.code].name != row.name:
                    self.problem("survey", row.number, self.letter("survey", "name"), "names_clash",
                                 staff_text("The names '%(first)s' (row %(first_row)s) and '%(name)s' both become the code "
                                            "'%(code)s'; rename one."),
                                 first=codes[row.code].name, first_row=codes[row.code].number, name=row.name, code=row.code)
                codes.setdefault(row.code, row)
        if repeat_depth and repeat_start is not None:
            self.report_repeat(repeat_start, None, inside)
            self.problem("survey", repeat_start.number, type_letter, "unclosed_repeat",
                         staff_text("The repeat '%(name)s' is never closed with 'end repeat'."), name=repeat_start.name)

    def report_repeat(self, start: SurveyRow, end: SurveyRow | None, inside: list[str]) -> None:
        """The warning at the repeat's first row: it is skipped with the questions in it."""
        questions = ", ".join(inside[:12]) + (", ..." if len(inside) > 12 else "")
        if end and inside:
            template = staff_text("The repeat '%(name)s' (up to row %(end)s) is skipped with its questions (%(questions)s): a "
                                  "repeat asks its questions once per person or item, which this product cannot do, and asking "
                                  "them only once would change what they mean.")
        elif end:
            template = staff_text("The repeat '%(name)s' (up to row %(end)s) is skipped; it holds no questions.")
        elif inside:
            template = staff_text("The repeat '%(name)s' is skipped with every question after it (%(questions)s): a repeat asks "
                                  "its questions once per person or item, which this product cannot do, and asking them only "
                                  "once would change what they mean.")
        else:
            template = staff_text("The repeat '%(name)s' is skipped; no questions follow it.")
        self.warning("survey", start.number, self.letter("survey", "type"), "repeat_skipped", template,
                     name=start.name, end=end.number if end else None, questions=questions)

    # --- choices ---------------------------------------------------------------------------

    def read_choices(self) -> dict[str, list[tuple[int, tuple[Any, ...]]]]:
        sheet = self.sheets.get("choices")
        lists: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
        if sheet is None or len(sheet.rows) < 2:
            return lists
        for number, values in sheet.rows[1:]:
            list_name = _text_value(self.get("choices", values, "list_name"))
            if list_name is None:
                if _text_value(self.get("choices", values, "name")) is not None:
                    self.warning("choices", number, self.letter("choices", "list_name"), "no_list_name",
                                 staff_text("The choice has no list_name and is skipped."))
                continue
            lists.setdefault(list_name, []).append((number, values))
            code = _text_value(self.get("choices", values, "name"))
            if code is not None and not OPTION_CODE.match(code):
                self.recoded.setdefault(list_name, {})[code] = option_code_for(code)
        return lists

    def options(
        self,
        row: SurveyRow,
        lists: dict[str, list[tuple[int, tuple[Any, ...]]]],
        or_other: bool,
        choice_filter: str | None,
        rename: Callable[[str, int], str],
    ) -> LocList | None:
        entries = lists.get(row.list_name or "")
        self.option_count += len(entries or ())
        if self.option_count > MAX_OPTIONS:
            self.problem("survey", row.number, self.letter("survey", "type"), "too_many_options",
                         staff_text("The questions up to this row have more than %(maximum)s choices together; "
                                    "a form this large cannot be answered on a phone. Split it."), maximum=MAX_OPTIONS)
            raise QuestionnaireError(self.source_name, _ordered(self.problems))
        if entries is None:
            if lists:
                self.problem("survey", row.number, self.letter("survey", "type"), "unknown_list",
                             staff_text("The choice list '%(list)s' is not in the choices sheet (lists there: %(known)s)."),
                             list=row.list_name, known=", ".join(sorted(lists)[:10]))
            else:
                self.problem("survey", row.number, self.letter("survey", "type"), "unknown_list",
                             staff_text("The choice list '%(list)s' is not in the choices sheet, which has no lists."),
                             list=row.list_name)
            return None
        options = LocList(line=entries[0][0])
        filter_letter = self.letter("survey", "choice_filter")
        filter_failed = False
        headers = {column.header: column for column in self.columns["choices"].values()}
        for number, values in entries:
            code = _text_value(self.get("choices", values, "name"))
            recoded = self.recoded.get(row.list_name or "", {}).get(code or "")
            if recoded is not None:
                self.warning("choices", number, self.letter("choices", "name"), "name_recoded",
                             staff_text("The choice name %(name)s becomes the code '%(code)s' (codes use letters, digits, '_', '-', "
                                        "'.')."), name=repr(code), code=recoded)
                code = recoded
            if or_other and code == "other":
                self.warning("choices", number, self.letter("choices", "name"), "other_not_used",
                             staff_text("The choice 'other' of '%(list)s' is not used for '%(question)s': or_other adds its own "
                                        "'Other, please specify'."), list=row.list_name, question=row.name)
                continue
            place = Place("choices", number, {"code": self.letter("choices", "name") or "",
                                              "label": self.letter("choices", f"label::{self.default_language}") or ""})
            option = LocDict(line=number)
            self.entry_places[id(option)] = place
            option["code"] = code
            label = self.text("choices", number, values, "label", place, "label")
            if label is not None:
                option["label"] = label
            audio = self.audio("choices", number, values, place)
            if audio is not None:
                option["audio"] = audio
            exclusive = self.get("choices", values, "kim_exclusive")
            if exclusive is not None and parse_bool(exclusive):
                option["exclusive"] = True
                place.columns["exclusive"] = self.letter("choices", "kim_exclusive") or ""
            if choice_filter and not filter_failed:
                cells = {header: _text_value(values[column.index]) if column.index < len(values) else None
                         for header, column in headers.items()}
                cells["name"] = code
                try:
                    tree = _fold(self.recode(xlsform_to_tree(choice_filter, None, rename, {k: v or "" for k, v in cells.items()})))
                except ExpressionError as error:
                    self.warning("survey", row.number, filter_letter, "filter_dropped",
                                 staff_text("The choice_filter %(filter)s cannot be used; all choices of '%(list)s' are offered."),
                                 reason=error, filter=repr(choice_filter), list=row.list_name)
                    filter_failed = True
                    for earlier in options:
                        earlier.pop("condition", None)
                else:
                    try:
                        self.check_options(tree)
                    except ExpressionError as error:
                        self.warning("choices", number, self.letter("choices", "name"), "never_offered",
                                     staff_text("The choice '%(code)s' of '%(question)s' is never offered: its choice_filter tests "
                                                "an option that does not exist."),
                                     reason=error, code=code, question=row.name)
                        tree = Literal(False)
                    if tree != Literal(True):
                        option["condition"] = condition_source(_name_first(tree))
                        place.columns["condition"] = filter_letter or ""
            for key in option:
                option.key_lines[key] = number
            options.append(option)
            options.item_lines.append(number)
        return options

    # --- building --------------------------------------------------------------------------

    def renamer(self, rows: list[SurveyRow]) -> Callable[[str, int], str]:
        by_name = {row.name: row for row in rows if row.name and row.type not in ("end_group", "end_repeat")}

        def rename(name: str, position: int) -> str:
            row = by_name.get(name)
            if row is None:
                raise ExpressionError("unknown_question", staff_text("There is no question named '%(name)s' in the survey sheet."),
                                      position, name=name)
            if row.skipped:  # the problem at that row (or its repeat) says why
                raise ExpressionError("question_not_imported", staff_text("'${%(name)s}' refers to row %(number)s, which is not "
                                                                          "imported."), position, name=name, number=row.number)
            if row.type in ("begin_group", "begin_repeat"):
                raise ExpressionError("group_not_question", staff_text("'${%(name)s}' refers to the group in row %(number)s, not "
                                                                       "to a question."), position, name=name, number=row.number)
            return row.code or name

        return rename

    def build(
        self,
        rows: list[SurveyRow],
        values_by_row: dict[int, tuple[Any, ...]],
        lists: dict[str, list[tuple[int, tuple[Any, ...]]]],
        settings_row: int | None,
        settings_values: tuple[Any, ...],
    ) -> LocDict:
        rename = self.renamer(rows)
        for row in rows:
            if row.list_name and row.code and not row.skipped:
                self.list_of[row.code] = row.list_name
                mapping = self.recoded.get(row.list_name, {})
                codes = {mapping.get(name, name) for number, values in lists.get(row.list_name, [])
                         if (name := _text_value(self.get("choices", values, "name"))) is not None}
                if row.list_name in lists:
                    self.option_codes[row.code] = codes | ({"other"} if row.or_other else set())
        root = LocDict(line=1)
        sections = LocList(line=1)
        stack: list[Group] = []
        section: LocDict | None = None
        top_codes = {row.code for row in rows if row.type == "begin_group" and row.code}
        implicit = 0
        districts_list: str | None = _text_value(self.get("settings", settings_values, "kim_districts"))
        letter = lambda key: self.letter("survey", key) or ""  # noqa: E731

        def new_section(row: SurveyRow, code: str, implicit_section: bool) -> LocDict:
            place = Place("survey", row.number, {"code": letter("name"), "condition": letter("relevant"),
                                                 "field": letter("kim_field"), "need": letter("kim_need"),
                                                 "title": letter(f"label::{self.default_language}")})
            values = values_by_row[row.number]
            entry = LocDict(line=row.number)
            self.entry_places[id(entry)] = place
            entry["code"] = code
            if implicit_section:
                entry["title"] = self.title_text(settings_row, settings_values)
            else:
                title = self.text("survey", row.number, values, "label", place, "title")
                if title is None:
                    title = LocDict({self.default_language: row.name}, line=row.number)
                    title.key_lines[self.default_language] = row.number
                    self.texts.append(title)
                entry["title"] = title
                intro = self.text("survey", row.number, values, "hint", place, "intro", optional=True)
                if intro is not None:
                    entry["intro"] = intro
                # kim_field (written by writer_xlsform) or a group named like an integration field
                field_value = _text_value(self.get("survey", values, "kim_field"))
                if field_value is None and row.code in {f.value for f in IntegrationField}:
                    field_value = row.code
                if field_value is not None and field_value != "none":
                    entry["field"] = field_value
                need = _text_value(self.get("survey", values, "kim_need"))
                if need is not None:
                    entry["need"] = need
            entry["questions"] = LocList(line=row.number)
            for key in entry:
                entry.key_lines[key] = row.number
            sections.append(entry)
            sections.item_lines.append(row.number)
            return entry

        for row in rows:
            if row.skipped:
                continue
            values = values_by_row[row.number]
            if row.type == "begin_group":
                group = Group(row, "group")
                relevant = _text_value(self.get("survey", values, "relevant"))
                if relevant:
                    try:
                        group.condition = self.recode(xlsform_to_tree(relevant, None, rename))
                    except ExpressionError as error:
                        self.problem("survey", row.number, letter("relevant"), "relevant_untranslatable", RELEVANT_UNTRANSLATABLE,
                                     reason=error, expression=repr(relevant[:200]))
                if not stack:
                    section = new_section(row, row.code or "", False)
                    if group.condition is not None:
                        section["condition"] = condition_source(group.condition)
                        section.key_lines["condition"] = row.number
                else:
                    if group.condition is not None:
                        self.warning("survey", row.number, letter("type"), "nested_group",
                                     staff_text("The group '%(name)s' inside the group '%(outer)s' becomes part of its page: pages do "
                                                "not nest. Its label is not shown; its relevant applies to each of its questions."),
                                     name=row.name, outer=stack[0].row.name)
                    else:
                        self.warning("survey", row.number, letter("type"), "nested_group",
                                     staff_text("The group '%(name)s' inside the group '%(outer)s' becomes part of its page: pages do "
                                                "not nest. Its label is not shown."),
                                     name=row.name, outer=stack[0].row.name)
                stack.append(group)
                continue
            if row.type == "end_group":
                if not stack:
                    self.problem("survey", row.number, letter("type"), "unmatched_end",
                                 staff_text("This 'end group' has no 'begin group' before it."))
                    continue
                stack.pop()
                if not stack:
                    section = None
                continue
            # a question
            if section is None:
                implicit += 1
                code = "general" if implicit == 1 else f"general_{implicit}"
                while code in top_codes:
                    code += "_"
                section = new_section(row, code, True)
            questions = section["questions"]
            question = self.question(row, values, lists, rename,
                                     [group.condition for group in stack[1:] if group.condition is not None])
            if question is None:
                continue
            if question.get("type") == "district":
                if districts_list and districts_list != row.list_name:
                    self.problem("survey", row.number, letter("type"), "district_lists",
                                 staff_text("District questions must all use the list '%(list)s', not '%(other)s'."),
                                 list=districts_list, other=row.list_name)
                districts_list = districts_list or row.list_name
            questions.append(question)  # questions outside groups share a section until the next group
            questions.item_lines.append(row.number)
        if stack:
            self.warning("survey", stack[0].row.number, letter("type"), "unclosed_group",
                         staff_text("The group '%(name)s' is never closed with 'end group'; it ends with the sheet."),
                         name=stack[0].row.name)

        for index in reversed(range(len(sections))):
            if not sections[index]["questions"]:
                entry = sections[index]
                self.warning("survey", entry.line, None, "empty_group",
                             staff_text("The group '%(code)s' is skipped: none of its questions is imported."), code=entry["code"])
                del sections[index]
                del sections.item_lines[index]

        root["slug"] = self.slug(settings_row, settings_values)
        root["default_language"] = self.default_language
        root["languages"] = self.language_list(settings_values)
        root["title"] = self.title_text(settings_row, settings_values)
        intro = None
        if settings_row is not None:
            intro_place = self.places.setdefault("intro", Place("settings", settings_row))
            intro = self.text("settings", settings_row, settings_values, "kim_intro", intro_place, "")
        if intro is not None:
            root["intro"] = intro
        if districts_list == MUNICIPALITY and MUNICIPALITY not in lists:
            root["districts"] = MUNICIPALITY
        elif districts_list:
            districts = self.districts(districts_list, lists)
            if districts is not None:
                root["districts"] = districts
        root["sections"] = sections
        breakdowns = _text_value(self.get("settings", settings_values, "kim_breakdowns"))
        if breakdowns:
            root["analysis"] = LocDict({"breakdowns": LocList(breakdowns.split(), line=settings_row or 1)}, line=settings_row or 1)
            self.places.setdefault("analysis", Place("settings", settings_row or 1, {"": self.letter("settings", "kim_breakdowns") or ""}))
        offer_mapping = _text_value(self.get("settings", settings_values, "kim_offer_mapping"))
        if offer_mapping:
            # "attr=question attr=question"; a pair without '=' is passed on for the builder to refuse.
            pairs = [item.partition("=") for item in offer_mapping.split()]
            root["offer_mapping"] = LocDict({a: c if sep else None for a, sep, c in pairs}, line=settings_row or 1)
            self.places.setdefault("offer_mapping",
                                   Place("settings", settings_row or 1, {"": self.letter("settings", "kim_offer_mapping") or ""}))
        for key in root:
            root.key_lines[key] = 1
        self.assign_paths(root)
        self.places.setdefault("languages", Place("survey", self.sheets["survey"].rows[0][0]))
        self.places.setdefault("sections", Place("survey", self.sheets["survey"].rows[0][0]))
        self.places.setdefault("default_language",
                               Place("settings", settings_row or 1, {"": self.letter("settings", "default_language") or ""}))
        self.places.setdefault("slug", Place("settings", settings_row or 1, {"": self.letter("settings", "form_id") or ""}))
        self.mark_partial(root)
        return root

    def recode(self, tree: Node) -> Node:
        """Option codes in a condition after choice names were made into valid codes."""
        if not self.recoded:
            return tree

        def code(name: Node, literal: Node) -> Node:
            if isinstance(name, Name) and isinstance(literal, Literal) and isinstance(literal.value, str):
                mapping = self.recoded.get(self.list_of.get(name.code, ""), {})
                return Literal(mapping.get(literal.value, literal.value))
            return literal

        def walk(node: Node) -> Node:
            if isinstance(node, Unary):
                return Unary(node.op, walk(node.operand))
            if isinstance(node, Call):
                if node.function == "selected":
                    return Call("selected", (node.args[0], code(node.args[0], node.args[1])), node.position)
                return node
            if isinstance(node, Binary):
                left, right = walk(node.left), walk(node.right)
                if node.op in ("==", "!="):
                    left, right = code(right, left), code(left, right)
                return Binary(node.op, left, right)
            return node

        return walk(tree)

    def check_options(self, tree: Node) -> None:
        """A constraint that tests an option the question does not have is a mistake in the form;
        it is dropped (with a warning) rather than refusing the form."""
        for name, option in Condition("-", tree).option_references():
            known = self.option_codes.get(name.code)
            if known is not None and option not in known:
                raise ExpressionError("no_such_option", staff_text("'%(question)s' has no option '%(option)s'."), None,
                                      question=name.code, option=option)

    def assign_paths(self, root: LocDict) -> None:
        """Register each section, question and option under the path the builder reports."""
        for s_index, section in enumerate(root["sections"]):
            self.places[f"sections[{s_index}]"] = self.entry_places[id(section)]
            for q_index, question in enumerate(section["questions"]):
                path = f"sections[{s_index}].questions[{q_index}]"
                self.places[path] = self.entry_places[id(question)]
                for o_index, option in enumerate(question.get("options") or []):
                    if id(option) in self.entry_places:
                        self.places[f"{path}.options[{o_index}]"] = self.entry_places[id(option)]
        for index, option in enumerate(root["districts"] if isinstance(root.get("districts"), list) else []):
            self.places[f"districts[{index}]"] = self.entry_places[id(option)]

    def question(
        self,
        row: SurveyRow,
        values: tuple[Any, ...],
        lists: dict[str, list[tuple[int, tuple[Any, ...]]]],
        rename: Callable[[str, int], str],
        group_conditions: list[Node],
    ) -> LocDict | None:
        letter = lambda key: self.letter("survey", key) or ""  # noqa: E731
        place = Place("survey", row.number, {
            "code": letter("name"), "type": letter("type"), "required": letter("required"),
            "condition": letter("relevant"), "constraint": letter("constraint"), "options": letter("type"),
            "other": letter("type"), "min": letter("constraint"), "max": letter("constraint"),
            "max_length": letter("constraint"), "decimals": letter("type"),
            "label": letter(f"label::{self.default_language}"),
        })
        entry = LocDict(line=row.number)
        self.entry_places[id(entry)] = place
        entry["code"] = row.code
        qtype = {"integer": "number", "decimal": "number", "text": "text", "date": "date", "note": "info",
                 "select_one": "single_choice", "select_multiple": "multiple_choice", "range": "number"}[row.type]
        appearance = (_text_value(self.get("survey", values, "appearance")) or "").lower().split()
        if row.type == "text" and "multiline" in appearance:
            qtype = "long_text"
        if row.type == "select_one" and any(word.startswith("likert") for word in appearance):
            qtype = "scale"
        kim_type = _text_value(self.get("survey", values, "kim_type"))
        if kim_type:
            if kim_type in KIM_TYPES and row.type in KIM_TYPES[kim_type]:
                qtype = kim_type
            else:
                self.problem("survey", row.number, letter("kim_type"), "bad_kim_type",
                             staff_text("The kim_type '%(kim_type)s' does not fit the type '%(type)s'."), kim_type=kim_type,
                             type=row.raw_type)
        entry["type"] = qtype
        if row.type == "decimal":
            entry["decimals"] = True
        label = self.text("survey", row.number, values, "label", place, "label")
        if label is not None:
            entry["label"] = label
        hint = self.text("survey", row.number, values, "hint", place, "hint", optional=True)
        if hint is not None:
            entry["hint"] = hint
        audio = self.audio("survey", row.number, values, place)
        if audio is not None:
            entry["audio"] = audio
        required = self.get("survey", values, "required")
        flag = parse_bool(required)
        if flag is None:
            self.warning("survey", row.number, letter("required"), "not_yes_no",
                         staff_text("The required value %(value)s is not yes or no; the question is taken as not required."),
                         value=repr(str(required)[:60]))
        elif flag and qtype != "info":
            entry["required"] = True
        for ignored in ("default", "calculation"):
            if self.get("survey", values, ignored) is not None and qtype != "info":
                self.warning("survey", row.number, letter(ignored), "column_ignored",
                             staff_text("The %(column)s is ignored: questions start empty and nothing is calculated."), column=ignored)

        conditions = list(group_conditions)
        relevant = _text_value(self.get("survey", values, "relevant"))
        if relevant:
            try:
                conditions.append(self.recode(xlsform_to_tree(relevant, None, rename)))
            except ExpressionError as error:
                self.problem("survey", row.number, letter("relevant"), "relevant_untranslatable", RELEVANT_UNTRANSLATABLE,
                             reason=error, expression=repr(relevant[:200]))
        if conditions:
            tree = conditions[0]
            for extra in conditions[1:]:
                tree = Binary("and", tree, extra)
            entry["condition"] = condition_source(tree)

        if qtype == "district" and row.list_name == MUNICIPALITY and MUNICIPALITY not in lists:
            pass  # the city's district list, handed in by the store (docs/questionnaire-format.md)
        elif row.type in ("select_one", "select_multiple") and qtype not in ("yes_no",):
            choice_filter = _text_value(self.get("survey", values, "choice_filter"))
            options = self.options(row, lists, row.or_other, choice_filter, rename)
            if options is not None and qtype != "district":
                entry["options"] = options
            if row.or_other:
                entry["other"] = True
        elif _text_value(self.get("survey", values, "choice_filter")):
            self.warning("survey", row.number, letter("choice_filter"), "column_ignored",
                         staff_text("The choice_filter is ignored: the question has no choices."))
        if row.type == "range":
            self.range(row, values, entry, place)

        constraint = _text_value(self.get("survey", values, "constraint"))
        if constraint and qtype != "info":
            self.constraint(row, values, entry, constraint, place, qtype, rename)
        max_length = _text_value(self.get("survey", values, "kim_max_length"))
        if max_length is not None:
            entry["max_length"] = int(max_length) if max_length.isdigit() else max_length
            place.columns["max_length"] = letter("kim_max_length")
        for key in entry:
            entry.key_lines[key] = row.number
        return entry

    def range(self, row: SurveyRow, values: tuple[Any, ...], entry: LocDict, place: Place) -> None:
        parameters = _text_value(self.get("survey", values, "parameters")) or ""
        found = dict(re.findall(r"(start|end|step)\s*=\s*(-?\d+(?:\.\d+)?)", parameters))
        try:
            start, end, step = (float(found.get(key, default)) for key, default in (("start", "1"), ("end", "10"), ("step", "1")))
        except ValueError:  # pragma: no cover - the pattern admits numbers only
            start, end, step = 1.0, 10.0, 1.0
        letter = self.letter("survey", "parameters") or self.letter("survey", "type")
        whole = all(float(v).is_integer() for v in (start, end, step))
        count = int((end - start) / step) + 1 if step > 0 and end >= start else 0
        if whole and 2 <= count <= 11:
            entry["type"] = "scale"
            options = LocList(line=row.number)
            for position in range(count):
                value = str(int(start + position * step))
                label = LocDict(dict.fromkeys(self.languages, value), line=row.number)
                options.append(LocDict({"code": value, "label": label}, line=row.number))
                options.item_lines.append(row.number)
            entry["options"] = options
            self.warning("survey", row.number, letter, "range_recoded",
                         staff_text("The range %(start)s-%(end)s becomes a scale with the options %(options)s."),
                         start=int(start), end=int(end), options=", ".join(o["code"] for o in options))
        else:
            entry["min"], entry["max"] = _plain(start), _plain(end)
            if not whole:
                entry["decimals"] = True
            self.warning("survey", row.number, letter, "range_recoded",
                         staff_text("The range becomes a number from %(start)s to %(end)s; the step %(step)s is not enforced."),
                         start=_plain(start), end=_plain(end), step=_plain(step))

    def constraint(
        self,
        row: SurveyRow,
        values: tuple[Any, ...],
        entry: LocDict,
        constraint: str,
        place: Place,
        qtype: str,
        rename: Callable[[str, int], str],
    ) -> None:
        letter = self.letter("survey", "constraint")
        if qtype in ("text", "long_text"):
            match = _STRING_LENGTH.match(constraint)
            if match:
                limit = int(match.group(2)) - (1 if match.group(1) == "<" else 0)
                if 1 <= limit <= HARD_MAX_LENGTH:
                    if limit != DEFAULT_MAX_LENGTH[QuestionType(qtype)]:
                        entry["max_length"] = limit
                    return
        try:
            tree = self.recode(xlsform_to_tree(constraint, row.code, rename))
            self.check_options(tree)
        except ExpressionError as error:
            self.warning("survey", row.number, letter, "constraint_dropped",
                         staff_text("The constraint %(expression)s cannot be translated; it is dropped and answers are not checked "
                                    "against it."), reason=error, expression=repr(constraint[:200]))
            return
        if qtype in ("number", "year"):
            bounds = _bounds(tree, row.code or "", integer=row.type == "integer")
            if bounds is not None:
                minimum, maximum = bounds
                if minimum is not None:
                    entry["min"] = minimum
                if maximum is not None:
                    entry["max"] = maximum
                return
        entry["constraint"] = condition_source(tree)
        message = self.text("survey", row.number, values, "constraint_message", place, "constraint_message", optional=True)
        if message is not None:
            entry["constraint_message"] = message

    def language_list(self, settings_values: tuple[Any, ...]) -> LocList:
        unreviewed = set((_text_value(self.get("settings", settings_values, "kim_unreviewed")) or "").split())
        self._declared_partial = set((_text_value(self.get("settings", settings_values, "kim_partial")) or "").split())
        items = LocList(line=1)
        for language in self.languages:
            entry = LocDict({"code": language}, line=1)
            if language in unreviewed:
                entry["reviewed"] = False
            items.append(entry)
            items.item_lines.append(1)
        return items

    def mark_partial(self, root: LocDict) -> None:
        """A language some texts lack falls back (the builder warns with the count)."""
        missing = {language for text in self.texts for language in self.languages if language not in text}
        missing |= getattr(self, "_declared_partial", set()) & set(self.languages)
        missing.discard(self.default_language)
        for entry in root["languages"]:
            if entry["code"] in missing:
                entry["partial"] = True

    def title_text(self, settings_row: int | None, values: tuple[Any, ...]) -> LocDict:
        place = self.places.setdefault("title", Place("settings", settings_row or 1))
        title = self.text("settings", settings_row or 1, values, "form_title", place, "") if settings_row else None
        if title is None or self.default_language not in title:
            fallback = _text_value(self.get("settings", values, "form_id")) or self.source_stem()
            title = LocDict(dict(title or {}), line=settings_row or 1)
            title[self.default_language] = fallback[:MAX_TEXT_CHARS]
            title.key_lines = dict.fromkeys(title, settings_row or 1)
            place.columns[""] = self.letter("settings", "form_id") or ""
            self.texts.append(title)
        return title

    def source_stem(self) -> str:
        return PurePosixPath(self.source_name.replace("\\", "/")).stem or "form"

    def slug(self, settings_row: int | None, values: tuple[Any, ...]) -> str:
        form_id = _text_value(self.get("settings", values, "form_id"))
        wanted = form_id or self.source_stem()
        slug = slug_for(wanted)
        if slug != wanted:
            if form_id:
                self.warning("settings", settings_row, self.letter("settings", "form_id"), "slug_recoded",
                             staff_text("The form_id %(wanted)s becomes the slug '%(slug)s' (lower-case letters, digits, '-'); the "
                                        "respondent link is /s/%(slug)s/."), wanted=repr(wanted[:60]), slug=slug)
            else:
                self.warning("", None, None, "slug_recoded",
                             staff_text("The file name %(wanted)s becomes the slug '%(slug)s' (lower-case letters, digits, '-'); "
                                        "the respondent link is /s/%(slug)s/."), wanted=repr(wanted[:60]), slug=slug)
        return slug

    def districts(self, list_name: str, lists: dict[str, list[tuple[int, tuple[Any, ...]]]]) -> LocList | None:
        entries = lists.get(list_name)
        if entries is None:
            self.problem("settings", None, None, "unknown_list",
                         staff_text("The district list '%(list)s' is not in the choices sheet."), list=list_name)
            return None
        items = LocList(line=entries[0][0])
        for number, values in entries:
            place = Place("choices", number, {"code": self.letter("choices", "name") or ""})
            option = LocDict(line=number)
            self.entry_places[id(option)] = place
            option["code"] = _text_value(self.get("choices", values, "name"))
            label = self.text("choices", number, values, "label", place, "label")
            if label is not None:
                option["label"] = label
            for key in option:
                option.key_lines[key] = number
            items.append(option)
            items.item_lines.append(number)
        return items


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, Binary) and node.op == "and":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _bounds(tree: Node, own: str, integer: bool) -> tuple[int | float | None, int | float | None] | None:
    """min and max when the constraint is nothing but bounds on the answer (``. >= 1 and
    . <= 9``) and they are exact; None otherwise."""
    minimum: int | float | None = None
    maximum: int | float | None = None
    flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    for part in _conjuncts(tree):
        if not isinstance(part, Binary) or part.op not in flipped:
            return None
        op, left, right = part.op, part.left, part.right
        if isinstance(right, Name) and isinstance(left, Literal):
            op, left, right = flipped[op], right, left
        if not (isinstance(left, Name) and left.code == own and isinstance(right, Literal)):
            return None
        value = right.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if op in ("<", ">"):
            if not (integer and float(value).is_integer()):
                return None  # a strict bound on a decimal is no min/max
            value = int(value) + (1 if op == ">" else -1)
            op += "="
        value = _plain(value)
        if op == ">=":
            if minimum is not None:
                return None
            minimum = value
        else:
            if maximum is not None:
                return None
            maximum = value
    return minimum, maximum


def _fold(node: Node) -> Node:
    """Simplify a choice filter after the choice's columns were filled in: comparisons of two
    literals and and/or/not with a constant part."""
    if isinstance(node, Unary) and node.op == "not":
        operand = _fold(node.operand)
        if isinstance(operand, Literal) and isinstance(operand.value, bool):
            return Literal(not operand.value)
        return Unary("not", operand)
    if isinstance(node, Binary):
        left, right = _fold(node.left), _fold(node.right)
        if node.op in ("and", "or"):
            for constant, other in ((left, right), (right, left)):
                if isinstance(constant, Literal) and isinstance(constant.value, bool):
                    if node.op == "and":
                        return other if constant.value else Literal(False)
                    return Literal(True) if constant.value else other
            return Binary(node.op, left, right)
        if node.op in ("==", "!=") and isinstance(left, Literal) and isinstance(right, Literal):
            same = _equal(left.value, right.value)
            return Literal(same if node.op == "==" else not same)
        return Binary(node.op, left, right)
    return node


def _name_first(node: Node) -> Node:
    """``'x' == q`` (as choice filters read) -> ``q == 'x'``."""
    if isinstance(node, Binary):
        left, right = _name_first(node.left), _name_first(node.right)
        if node.op in ("==", "!=") and isinstance(left, Literal) and isinstance(right, Name):
            left, right = right, left
        return Binary(node.op, left, right)
    if isinstance(node, Unary):
        return Unary(node.op, _name_first(node.operand))
    return node


def load_xlsform_bytes(raw: bytes, source_name: str) -> LoadedQuestionnaire:
    """Validate an XLSForm and build the questionnaire, or raise ``QuestionnaireError`` listing
    every problem by sheet and cell. The warnings say what was skipped and why."""
    try:
        check_workbook(raw)
    except WorkbookRefused as error:
        raise QuestionnaireError(source_name, error.problems) from None
    sheets = read_sheets(raw, source_name)
    reader = XLSFormReader(sheets, source_name)
    try:
        data = reader.read()
    except QuestionnaireError:
        raise
    except RecursionError:
        raise _refuse(source_name, "too_deep", staff_text("The form is nested too deeply to read.")) from None
    own_errors = [p for p in reader.problems if p.is_error]
    if data is None:
        raise QuestionnaireError(source_name, reader.problems)
    try:
        questionnaire, builder_warnings = build_questionnaire(data, source_name)
    except QuestionnaireError as error:
        # One error per cell: a missing choice list, say, also leaves the question without options.
        reported = {(p.where.sheet, p.where.row, p.where.column) for p in own_errors}
        follow_ups = [p for p in reader.relocate(error.problems)
                      if not p.is_error or (p.where.sheet, p.where.row, p.where.column) not in reported]
        raise QuestionnaireError(source_name, _ordered(reader.problems + follow_ups)) from None
    problems = _ordered(reader.problems + reader.relocate(builder_warnings))
    if own_errors:
        raise QuestionnaireError(source_name, problems)
    return LoadedQuestionnaire(questionnaire, problems, dump_questionnaire(questionnaire), source_name, "xlsform")


def _ordered(problems: list[Problem]) -> list[Problem]:
    """By sheet (survey, choices, settings, then the file as a whole) and row."""
    sheets = {"survey": 0, "choices": 1, "settings": 2}
    return sorted(problems, key=lambda p: (sheets.get(p.where.sheet, 3), p.where.row or p.where.line or 0))

