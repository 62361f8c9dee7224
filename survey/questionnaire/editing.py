"""Editing a questionnaire one change at a time, for the staff web editor. No Flask, no database.

The editor works on the plain data of a questionnaire file (dicts, lists, strings, numbers), as
``to_data`` builds it from the model. Every edit function takes that data and returns an ``Edit``:
a changed copy (the original is never touched), where in the data the edited part is, and a
summary for the audit log. ``check`` validates the copy with the file loader itself, so staff see
exactly the errors an uploaded file would get; ``FormErrors`` places each problem
(survey/problems.py) at the form field that caused it (``label.de`` for the path
``sections[2].questions[0].label``), or, when no field on the form shows it, at its section and
question. The staff workspace translates each problem's sentence.
"""
from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from survey.languages import LANGUAGES
from survey.problems import Problem, Refused, Where, staff_text
from survey.questionnaire.builder import MISSING_TRANSLATION, RESERVED_CODES
from survey.questionnaire.conditions.expression import ConditionSyntaxError, parse_condition
from survey.questionnaire.conditions.rules import (
    AND,
    NOT_A_NUMBER,
    OR,
    BuiltCondition,
    Rule,
    check_rule,
    condition_source,
    normalized,
    operators_for,
    parse_built,
    parse_number,
)
from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.yaml_reader import load_questionnaire_text
from survey.questionnaire.formats.yaml_writer import Data, dump_data
from survey.questionnaire.model import MUNICIPALITY, IntegrationField, Questionnaire

SOURCE_NAME = "web editor"
TYPES_WITH_OPTIONS = ("single_choice", "multiple_choice", "scale")
TYPES_WITH_OTHER = ("single_choice", "multiple_choice")
TYPES_WITH_RANGE = ("number", "year")
TYPES_WITH_LENGTH = ("text", "long_text")
# Keys whose value is a text (language -> string) wherever they occur.
TEXT_KEYS = ("title", "intro", "label", "hint", "constraint_message")
MAX_OPTION_ROWS = 300

# Problems given in more than one place.
CODE_UNSAFE = staff_text("The code %(code)s would be read as a yes/no value or a number in the questionnaire file; choose another one.")
NOT_FOUND = staff_text("%(what)s no longer exists; someone may have changed the questionnaire meanwhile. Reload the page.")
ALREADY_FIRST = staff_text("It is first already.")
ALREADY_LAST = staff_text("It is last already.")
LAST_QUESTION = staff_text("The question %(code)s is the only one on its page, and a page needs at least one question. Delete the "
                           "whole section instead, or add another question first.")
NO_RULE = staff_text("The condition has no rule with that number.")
OPTION_USED = staff_text("The option %(option)s cannot be removed or renamed: %(where)s uses it. Change that condition first.")


class FormErrors(Refused):
    """Everything wrong with an edit: ``problems``, each placed at a form field key
    (``where.field``; "" for the form as a whole); ``suggested`` holds values to put into empty
    fields (a code)."""

    def __init__(self, problems: Iterable[Problem] = (), suggested: Mapping[str, str] | None = None) -> None:
        super().__init__(problems)
        self.suggested: dict[str, str] = dict(suggested or {})

    @property
    def fields(self) -> dict[str, list[Problem]]:
        """Form field key -> its problems, in the order found."""
        found: dict[str, list[Problem]] = {}
        for problem in self.problems:
            found.setdefault(problem.where.field, []).append(problem)
        return found

    def add(self, key: str, code: str, template: str, /, **params: Any) -> None:
        """A problem of the form field ``key``: ``template`` is a whole sentence marked with
        ``staff_text`` where it is written."""
        self.problems.append(Problem(code, template, params, where=Where(field=key)))

    def add_problem(self, key: str, problem: Problem) -> None:
        """``problem`` (found by the loader or a rule check) at the form field ``key``."""
        self.problems.append(problem.at(field=key))

    def __str__(self) -> str:
        return "; ".join(f"{problem.where.field or 'form'}: {problem.message}" for problem in self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)


def _fail(key: str, code: str, template: str, /, **params: Any) -> FormErrors:
    errors = FormErrors()
    errors.add(key, code, template, **params)
    return errors


@dataclass(frozen=True)
class Edit:
    """A changed copy of the data. ``fields`` maps data paths of the edited parts to the form
    key prefix of their fields (``{"sections[1].questions[2]": ""}``)."""

    data: Data
    summary: str
    fields: Mapping[str, str] = field(default_factory=dict)
    # What ``check`` found (the model and the YAML it read), so an edit is read once per save:
    # the operations check it, then the editor stores it.
    checked: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def to_yaml(data: Data) -> str:
    return dump_data(data, header="")


def check(edit: Edit) -> Questionnaire:
    """Validate the edited data with the file loader; raise ``FormErrors`` with every problem
    next to the field that caused it."""
    if "model" in edit.checked:
        return edit.checked["model"]
    text = to_yaml(edit.data)
    try:
        loaded = load_questionnaire_text(text, SOURCE_NAME, line_references=False)
    except QuestionnaireError as error:
        raise problems_to_form_errors(error.errors, edit) from None
    edit.checked.update(model=loaded.questionnaire, text=text)
    return loaded.questionnaire


def checked_text(edit: Edit) -> str | None:
    """The YAML ``check`` read for ``edit`` (without header), None before it was checked."""
    return edit.checked.get("text")


# --- where problems belong ------------------------------------------------------------------

_INDEX = re.compile(r"^sections\[(\d+)\](?:\.questions\[(\d+)\])?")


def _matches(path: str, prefix: str) -> str | None:
    """The rest of ``path`` below ``prefix`` ('' when equal; else starting with '.' or '['),
    or None when the path is elsewhere."""
    if path == prefix:
        return ""
    if prefix and path.startswith(prefix) and path[len(prefix)] in ".[":
        return path[len(prefix):]
    return None


def _form_key(form_prefix: str, rest: str) -> str:
    """The form key of a problem: prefix '' takes the rest as it is, 'x.' puts it below x,
    'x' appends it ('label' + '.de'), and 'x!' collects everything below x at x."""
    if form_prefix.endswith("!"):
        return form_prefix[:-1]
    if not form_prefix or form_prefix.endswith("."):
        return (form_prefix + rest.lstrip(".")).rstrip(".")
    return form_prefix + rest


def problems_to_form_errors(problems: list[Problem], edit: Edit) -> FormErrors:
    """The loader's problems at the form fields that caused them; the file's lines and paths
    mean nothing on a form."""
    errors = FormErrors()
    prefixes = sorted(edit.fields.items(), key=lambda item: -len(item[0]))
    for problem in problems:
        path = problem.where.path
        key: str | None = None
        collected = False
        for data_prefix, form_prefix in prefixes:
            rest = _matches(path, data_prefix)
            if rest is not None:
                key, collected = _form_key(form_prefix, rest), form_prefix.endswith("!")
                break
        if key is not None:
            if problem.code == MISSING_TRANSLATION and not collected and key.rsplit(".", 1)[-1] in TEXT_KEYS:
                # "The 'de' translation is missing" belongs to the German field of that text.
                key = f"{key}.{problem.params['language']}"
            errors.problems.append(problem.placed(Where(field=key)))
        else:
            errors.problems.append(problem.placed(_in_questionnaire(edit.data, path)))
    return errors


def _in_questionnaire(data: Data, path: str) -> Where:
    """Where a problem no field of the form shows is: its section and question by code, and the
    rest of its path."""
    match = _INDEX.match(path)
    if not match:
        return Where(path=path)
    sections = data.get("sections") or []
    section_index = int(match.group(1))
    section = sections[section_index] if section_index < len(sections) else {}
    rest = path[match.end():].lstrip(".")
    if match.group(2) is None:
        return Where(section=str(section.get("code", section_index + 1)), path=rest)
    questions = section.get("questions") or []
    question_index = int(match.group(2))
    question = questions[question_index] if question_index < len(questions) else {}
    return Where(section=str(section.get("code", section_index + 1)), question=str(question.get("code", question_index + 1)),
                 path=rest)


# --- looking things up -----------------------------------------------------------------------


def language_codes(data: Data) -> list[str]:
    return [entry["code"] if isinstance(entry, dict) else entry for entry in data.get("languages", [])]


def section_index(data: Data, code: str) -> int:
    for index, section in enumerate(data["sections"]):
        if section.get("code") == code:
            return index
    raise _fail("", "not_found", NOT_FOUND, what=code)


def question_position(data: Data, code: str) -> tuple[int, int]:
    for s_index, section in enumerate(data["sections"]):
        for q_index, question in enumerate(section.get("questions", [])):
            if question.get("code") == code:
                return s_index, q_index
    raise _fail("", "not_found", NOT_FOUND, what=code)


def question_path(s_index: int, q_index: int) -> str:
    return f"sections[{s_index}].questions[{q_index}]"


def all_questions(data: Data) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for section in data["sections"]:
        for question in section.get("questions", []):
            yield section, question


@dataclass(frozen=True)
class Referrer:
    """A part of the questionnaire whose condition uses a question."""

    section: str
    question: str | None = None  # None: the section's own condition
    option: str | None = None  # an option's condition (choice filter)

    def __str__(self) -> str:
        # Codes only, so the text reads the same in every staff language.
        if self.question is None:
            return f"[{self.section}]"
        if self.option is not None:
            return f"{self.question}/{self.option}"
        return self.question


def _conditions(data: Data) -> Iterator[tuple[Referrer, str, str | None]]:
    """(where, condition text, the question it belongs to) for every condition, constraint
    and option condition."""
    for section in data["sections"]:
        if section.get("condition"):
            yield Referrer(section["code"]), section["condition"], None
        for question in section.get("questions", []):
            code = question.get("code")
            where = Referrer(section["code"], code)
            for key in ("condition", "constraint"):
                if question.get(key):
                    yield where, question[key], code
            for option in question.get("options") or []:
                if option.get("condition"):
                    yield Referrer(section["code"], code, option.get("code")), option["condition"], code


def _names(source: str) -> set[str]:
    try:
        return {name.code for name in parse_condition(source).names()}
    except ConditionSyntaxError:
        return set()


def references_to(data: Data, codes: Collection[str], exclude_owners: Collection[str] = ()) -> list[Referrer]:
    """Where conditions use any of ``codes``; conditions belonging to ``exclude_owners``
    (questions about to go with them) do not count."""
    found: list[Referrer] = []
    for where, source, owner in _conditions(data):
        if owner in exclude_owners or (owner is None and where.section in exclude_owners):
            continue
        if _names(source) & set(codes) and where not in found:
            found.append(where)
    return found


def option_references(data: Data, question_code: str) -> dict[str, list[Referrer]]:
    """Option code -> where a condition compares ``question_code`` with it."""
    found: dict[str, list[Referrer]] = {}
    for where, source, _owner in _conditions(data):
        try:
            condition = parse_condition(source)
        except ConditionSyntaxError:
            continue
        for name, option_code in condition.option_references():
            if name.code == question_code and where not in found.setdefault(option_code, []):
                found[option_code].append(where)
    return found


def _where(referrers: list[Referrer]) -> str:
    return ", ".join(str(referrer) for referrer in referrers)


def rename_in_condition(source: str, old: str, new: str) -> str:
    """``source`` with every use of question ``old`` renamed to ``new`` (function names and
    quoted option codes untouched)."""
    try:
        names = parse_condition(source).names()
    except ConditionSyntaxError:
        return source
    for name in sorted((n for n in names if n.code == old), key=lambda n: -n.position):
        source = source[: name.position] + new + source[name.position + len(old):]
    return source


# --- codes -----------------------------------------------------------------------------------

_TRANSLITERATE = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}


def suggest_code(text: str, taken: Collection[str] = (), max_length: int = 32) -> str:
    """A question or section code made from a text: 'Wie alt sind Sie?' -> 'wie_alt_sind_sie'."""
    text = "".join(_TRANSLITERATE.get(char, char) for char in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)
    code = ""
    for word in words:
        candidate = f"{code}_{word}" if code else word
        if len(candidate) > max_length:
            break
        code = candidate
    if not code and words:
        code = words[0][:max_length]
    if not code or not code[0].isalpha():
        code = f"q_{code}" if code else "question"
    base, number = code, 2
    while code in taken or code in RESERVED_CODES or not yaml_safe(code):
        code = f"{base}_{number}"
        number += 1
    return code


def yaml_safe(value: str) -> bool:
    """Whether ``value`` written unquoted in a YAML file reads back as this same text."""
    try:
        return yaml.safe_load(value) == value
    except yaml.YAMLError:
        return False


def _question_codes(data: Data, except_position: tuple[int, int] | None = None) -> dict[str, str]:
    """Code -> section code of every question (but the one at ``except_position``)."""
    codes: dict[str, str] = {}
    for s_index, section in enumerate(data["sections"]):
        for q_index, question in enumerate(section.get("questions", [])):
            if (s_index, q_index) != except_position and isinstance(question.get("code"), str):
                codes.setdefault(question["code"], section.get("code", ""))
    return codes


def _check_new_code(code: str, taken: Mapping[str, str], what: str, errors: FormErrors, key: str = "code", text: str = "") -> bool:
    """Whether ``code`` can be used for a new or renamed question (``what`` "question") or
    section; if not, the reason is added to ``errors`` (with a suggestion for an empty code)."""
    if not code:
        errors.add(key, "enter_code", staff_text("Enter a code (suggested from the text: %(suggestion)s)."),
                   suggestion=suggest_code(text, taken))
        errors.suggested[key] = suggest_code(text, taken)
    elif code in taken:
        if what == "question":
            errors.add(key, "code_taken", staff_text("The code %(code)s is used already by a question in section %(section)s; "
                                                     "question codes must be unique."), code=code, section=taken[code])
        else:
            errors.add(key, "code_taken", staff_text("The section code %(code)s is used already; section codes must be unique."),
                       code=code)
    elif not yaml_safe(code):
        errors.add(key, "code_unsafe", CODE_UNSAFE, code=code)
    else:
        return True
    return False


def _placeholder_code(data: Data) -> str:
    """A free code to validate the rest of a form with while its code is refused."""
    taken = set(_question_codes(data)) | set(_section_codes(data))
    number = 1
    while f"unsaved_{number}" in taken:
        number += 1
    return f"unsaved_{number}"


# --- form input --------------------------------------------------------------------------------


def texts_from_form(form: Mapping[str, str], prefix: str, languages: Collection[str]) -> dict[str, str]:
    return {language: (form.get(f"{prefix}.{language}") or "").strip() for language in languages}


def _text_value(values: Mapping[str, str], languages: Collection[str], required: bool) -> dict[str, str] | None:
    """A text for the data: the non-empty translations. A required text is kept even when
    empty, so the loader names each missing language."""
    text = {language: values[language].strip() for language in languages if (values.get(language) or "").strip()}
    if text or required:
        return text
    return None


def _set_text(target: dict[str, Any], key: str, values: Mapping[str, str], languages: Collection[str], required: bool) -> None:
    text = _text_value(values, languages, required)
    if text is None:
        target.pop(key, None)
    else:
        target[key] = text


@dataclass
class OptionRow:
    code: str = ""
    label: dict[str, str] = field(default_factory=dict)
    exclusive: bool = False

    def is_blank(self) -> bool:
        return not self.code.strip() and not any(value.strip() for value in self.label.values())


_ROW_KEY = re.compile(r"^options\[(\d{1,4})\]\.(code|exclusive|remove|label\.([\w-]+))$")


def option_rows_from_form(form: Mapping[str, str], languages: Collection[str]) -> list[OptionRow]:
    """The option rows of a form, blank and removed rows left out, in order."""
    rows: dict[int, OptionRow] = {}
    removed: set[int] = set()
    for key, value in form.items():
        match = _ROW_KEY.match(key)
        if not match or int(match.group(1)) >= MAX_OPTION_ROWS:
            continue
        row = rows.setdefault(int(match.group(1)), OptionRow())
        part = match.group(2)
        if part == "code":
            row.code = (value or "").strip()
        elif part == "exclusive":
            row.exclusive = bool(value)
        elif part == "remove":
            removed.add(int(match.group(1)))
        elif match.group(3) in languages:
            row.label[match.group(3)] = (value or "").strip()
    return [rows[index] for index in sorted(rows) if index not in removed and not rows[index].is_blank()]


def rearrange_rows(rows: list[OptionRow], action: str) -> list[OptionRow]:
    """Move or remove a row before saving: 'up:2', 'down:0', 'remove:1'; 'add' adds rows."""
    rows = list(rows)
    verb, _, number = action.partition(":")
    if verb == "add":
        return rows + [OptionRow() for _ in range(3)]
    if not number.isdigit() or int(number) >= len(rows):
        return rows
    index = int(number)
    if verb == "remove":
        del rows[index]
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def option_rows(options: list[dict[str, Any]] | None) -> list[OptionRow]:
    return [OptionRow(str(o.get("code", "")), dict(o.get("label") or {}), bool(o.get("exclusive"))) for o in options or []]


def _options_value(rows: list[OptionRow], old: list[dict[str, Any]] | None, languages: Collection[str],
                   exclusive_allowed: bool) -> list[dict[str, Any]]:
    """Option data from form rows; audio and conditions of kept codes stay as they were."""
    previous = {option.get("code"): option for option in old or []}
    options = []
    for row in rows:
        option: dict[str, Any] = {key: copy.deepcopy(value) for key, value in previous.get(row.code, {}).items()
                                  if key in ("audio", "condition")}
        option["code"] = row.code
        if row.exclusive and exclusive_allowed:
            option["exclusive"] = True
        option["label"] = _text_value(row.label, languages, required=True)
        options.append(option)
    return options


@dataclass
class QuestionInput:
    """A question as the form shows it: everything as typed, so nothing is lost on an error."""

    code: str = ""
    type: str = "single_choice"
    required: bool = False
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    minimum: str = ""
    maximum: str = ""
    decimals: bool = False
    max_length: str = ""
    other: bool = False
    options: list[OptionRow] = field(default_factory=list)

    @classmethod
    def from_data(cls, question: Mapping[str, Any]) -> QuestionInput:
        def number(key: str) -> str:
            value = question.get(key)
            if value is None:
                return ""
            return str(int(value)) if float(value).is_integer() else str(value)

        return cls(
            code=str(question.get("code", "")), type=str(question.get("type", "")),
            required=bool(question.get("required")), label=dict(question.get("label") or {}),
            hint=dict(question.get("hint") or {}), minimum=number("min"), maximum=number("max"),
            decimals=bool(question.get("decimals")),
            max_length=str(question["max_length"]) if question.get("max_length") else "",
            other=bool(question.get("other")), options=option_rows(question.get("options")),
        )

    @classmethod
    def from_form(cls, form: Mapping[str, str], languages: Collection[str]) -> QuestionInput:
        return cls(
            code=(form.get("code") or "").strip(), type=(form.get("type") or "").strip(),
            required=bool(form.get("required")), label=texts_from_form(form, "label", languages),
            hint=texts_from_form(form, "hint", languages), minimum=(form.get("min") or "").strip(),
            maximum=(form.get("max") or "").strip(), decimals=bool(form.get("decimals")),
            max_length=(form.get("max_length") or "").strip(), other=bool(form.get("other")),
            options=option_rows_from_form(form, languages),
        )


def _parse_number(text: str, key: str, errors: FormErrors, whole: bool = False) -> float | int | None:
    if not text:
        return None
    value = parse_number(text)
    if value is None or (whole and not float(value).is_integer()):
        if whole and value is not None:
            errors.add(key, "not_a_number", staff_text("%(value)s is not a whole number."), value=text)
        else:
            errors.add(key, "not_a_number", NOT_A_NUMBER, value=text)
        return None
    return int(value) if float(value).is_integer() else value


def _apply_question(old: Mapping[str, Any] | None, given: QuestionInput, languages: list[str], errors: FormErrors) -> dict[str, Any]:
    """The question's data from the form; what the form does not show (condition, audio,
    constraint) stays as it was."""
    question: dict[str, Any] = {"code": given.code, "type": given.type}
    for key in ("condition", "constraint", "audio", "constraint_message"):
        if old is not None and key in old:
            question[key] = copy.deepcopy(old[key])
    if given.required and given.type != "info":
        question["required"] = True
    if given.type in TYPES_WITH_OTHER and given.other:
        question["other"] = True
    if given.type in TYPES_WITH_RANGE:
        for key, text in (("min", given.minimum), ("max", given.maximum)):
            value = _parse_number(text, key, errors)
            if value is not None:
                question[key] = value
    if given.type == "number" and given.decimals:
        question["decimals"] = True
    if given.type in TYPES_WITH_LENGTH:
        value = _parse_number(given.max_length, "max_length", errors, whole=True)
        if value is not None:
            question["max_length"] = int(value)
    _set_text(question, "label", given.label, languages, required=True)
    _set_text(question, "hint", given.hint, languages, required=False)
    if given.type in TYPES_WITH_OPTIONS:
        question["options"] = _options_value(
            given.options, (old or {}).get("options"), languages, given.type == "multiple_choice")
    return question


def _check_options_kept(data: Data, old: Mapping[str, Any], new: Mapping[str, Any], errors: FormErrors) -> None:
    """Option codes that conditions compare with must stay."""
    if old.get("type") in ("yes_no", "district") and old.get("type") == new.get("type"):
        return
    kept = {option.get("code") for option in new.get("options") or []}
    for option_code, referrers in option_references(data, str(old.get("code"))).items():
        if option_code not in kept and referrers:
            errors.add("options", "option_used", OPTION_USED, option=option_code, where=_where(referrers))


# --- questions --------------------------------------------------------------------------------


def add_question(data: Data, section_code: str, given: QuestionInput) -> Edit:
    """Add a question at the end of a section."""
    data = copy.deepcopy(data)
    s_index = section_index(data, section_code)
    errors = FormErrors()
    code_ok = _check_new_code(given.code, _question_codes(data), "question", errors,
                              text=given.label.get(_default(data), "") or next(iter(given.label.values()), ""))
    question = _apply_question(None, given, language_codes(data), errors)
    if not code_ok:
        question["code"] = _placeholder_code(data)
    questions = data["sections"][s_index].setdefault("questions", [])
    questions.append(question)
    edit = Edit(data, f"question {given.code} added to section {section_code}",
                {question_path(s_index, len(questions) - 1): ""})
    _raise_with_loader_errors(edit, errors)
    return edit


def update_question(data: Data, question_code: str, given: QuestionInput, answered: Collection[str] = ()) -> Edit:
    """Change a question. Its code may change only while no response uses it (and conditions
    using it follow the new code); its type only while neither responses nor conditions do."""
    data = copy.deepcopy(data)
    s_index, q_index = question_position(data, question_code)
    old = data["sections"][s_index]["questions"][q_index]
    errors = FormErrors()
    renamed = given.code != question_code
    if renamed:
        if question_code in answered:
            errors.add("code", "code_has_responses", staff_text(
                "The code %(code)s cannot change: responses to this question are stored under it, and exports of all versions "
                "line up by code. Change the texts instead, or add a new question."), code=question_code)
        else:
            _check_new_code(given.code, _question_codes(data, (s_index, q_index)), "question", errors,
                            text=given.label.get(_default(data), ""))
    if given.type != old.get("type"):
        if question_code in answered:
            errors.add("type", "type_has_responses", staff_text(
                "The type cannot change: responses to this question are stored under its code and would mean something else. "
                "Add a new question instead."))
        else:
            users = references_to(data, [question_code], exclude_owners=[question_code])
            if users:
                errors.add("type", "type_used_in_conditions", staff_text(
                    "The type cannot change while conditions use this question: %(where)s. Change those conditions first."),
                    where=_where(users))
    question = _apply_question(old, given, language_codes(data), errors)
    _check_options_kept(data, old, question, errors)
    if renamed and "code" in errors.fields:
        question["code"] = question_code  # check the rest of the form under the old code
    elif renamed:
        _rename_everywhere(data, question_code, given.code)
    data["sections"][s_index]["questions"][q_index] = question
    edit = Edit(data, f"question {question_code} updated" + (f" (code now {given.code})" if renamed else ""),
                {question_path(s_index, q_index): ""})
    _raise_with_loader_errors(edit, errors)
    return edit


def _rename_everywhere(data: Data, old: str, new: str) -> None:
    for section in data["sections"]:
        if section.get("condition"):
            section["condition"] = rename_in_condition(section["condition"], old, new)
        for question in section.get("questions", []):
            for key in ("condition", "constraint"):
                if question.get(key):
                    question[key] = rename_in_condition(question[key], old, new)
            for option in question.get("options") or []:
                if option.get("condition"):
                    option["condition"] = rename_in_condition(option["condition"], old, new)


def set_options(data: Data, question_code: str, rows: list[OptionRow]) -> Edit:
    """Replace the options of a choice question (codes and labels, in the given order)."""
    data = copy.deepcopy(data)
    s_index, q_index = question_position(data, question_code)
    old = data["sections"][s_index]["questions"][q_index]
    errors = FormErrors()
    new = dict(old)
    new["options"] = _options_value(rows, old.get("options"), language_codes(data), old.get("type") == "multiple_choice")
    _check_options_kept(data, old, new, errors)
    data["sections"][s_index]["questions"][q_index] = new
    edit = Edit(data, f"options of question {question_code} changed", {question_path(s_index, q_index): ""})
    _raise_with_loader_errors(edit, errors)
    return edit


def move_question(data: Data, question_code: str, direction: str) -> Edit:
    """Move a question one place up or down; past the start or end of its section it moves to
    the end of the previous or the start of the next section."""
    data = copy.deepcopy(data)
    s_index, q_index = question_position(data, question_code)
    sections = data["sections"]
    questions = sections[s_index]["questions"]
    up = direction == "up"
    target = q_index - 1 if up else q_index + 1
    if 0 <= target < len(questions):
        questions[q_index], questions[target] = questions[target], questions[q_index]
        new_position = (s_index, target)
    else:
        other = s_index - 1 if up else s_index + 1
        if not 0 <= other < len(sections):
            raise _fail(question_code, "cannot_move", ALREADY_FIRST if up else ALREADY_LAST)
        if len(questions) == 1:
            raise _fail(question_code, "last_question", LAST_QUESTION, code=question_code)
        question = questions.pop(q_index)
        other_questions = sections[other].setdefault("questions", [])
        if up:
            other_questions.append(question)
            new_position = (other, len(other_questions) - 1)
        else:
            other_questions.insert(0, question)
            new_position = (other, 0)
    edit = Edit(data, f"question {question_code} moved {'up' if up else 'down'} to {question_path(*new_position)}")
    _raise_with_loader_errors(edit, FormErrors(), owner=question_code)
    return edit


def delete_question(data: Data, question_code: str) -> Edit:
    """Delete a question; refused while other questions' conditions use it (they are named)."""
    data = copy.deepcopy(data)
    s_index, q_index = question_position(data, question_code)
    users = references_to(data, [question_code], exclude_owners=[question_code])
    if users:
        raise _fail(question_code, "question_referred_to", staff_text(
            "The question %(code)s cannot be deleted: %(where)s uses it in a condition. Change or remove those conditions first."),
            code=question_code, where=_where(users))
    questions = data["sections"][s_index]["questions"]
    if len(questions) == 1:
        raise _fail(question_code, "last_question", LAST_QUESTION, code=question_code)
    del questions[q_index]
    edit = Edit(data, f"question {question_code} deleted")
    _raise_with_loader_errors(edit, FormErrors(), owner=question_code)
    return edit


# --- sections ---------------------------------------------------------------------------------


@dataclass
class SectionInput:
    code: str = ""
    title: dict[str, str] = field(default_factory=dict)
    intro: dict[str, str] = field(default_factory=dict)
    field: str = ""  # an integration field, or "" for general questions
    # The city's integration fields (survey.store.municipality); the seven defaults unless given.
    known_fields: tuple[str, ...] = tuple(IntegrationField)

    @classmethod
    def from_data(cls, section: Mapping[str, Any]) -> SectionInput:
        return cls(str(section.get("code", "")), dict(section.get("title") or {}), dict(section.get("intro") or {}),
                   str(section.get("field") or ""))

    @classmethod
    def from_form(cls, form: Mapping[str, str], languages: Collection[str], prefix: str = "") -> SectionInput:
        return cls((form.get(prefix + "code") or "").strip(), texts_from_form(form, prefix + "title", languages),
                   texts_from_form(form, prefix + "intro", languages), (form.get(prefix + "field") or "").strip())


def _check_field(given: SectionInput, errors: FormErrors) -> None:
    if given.field and given.field not in given.known_fields:
        errors.add("section.field", "unknown_field", staff_text("%(field)s is not one of the city's integration fields. Known: "
                                                                "%(known)s."), field=given.field, known=", ".join(given.known_fields))


def _apply_section(old: Mapping[str, Any] | None, given: SectionInput, languages: list[str]) -> dict[str, Any]:
    section: dict[str, Any] = {"code": given.code}
    if given.field:
        section["field"] = given.field
    if old is not None and old.get("condition"):
        section["condition"] = old["condition"]
    if old is not None and old.get("need") and given.field:
        section["need"] = old["need"]  # a need belongs to a field: it goes when the field does
    _set_text(section, "title", given.title, languages, required=True)
    _set_text(section, "intro", given.intro, languages, required=False)
    section["questions"] = copy.deepcopy(list((old or {}).get("questions") or []))
    return section


def _section_codes(data: Data, except_index: int | None = None) -> dict[str, str]:
    return {s["code"]: s["code"] for i, s in enumerate(data["sections"]) if i != except_index and isinstance(s.get("code"), str)}


def add_section(data: Data, given: SectionInput, first_question: QuestionInput) -> Edit:
    """Add a section at the end, with its first question (a page needs at least one).
    Section fields are keyed ``section.<name>`` in the form, the question's without prefix."""
    data = copy.deepcopy(data)
    errors = FormErrors()
    languages = language_codes(data)
    section_ok = _check_new_code(given.code, _section_codes(data), "section", errors, key="section.code",
                                 text=given.title.get(_default(data), ""))
    question_ok = _check_new_code(first_question.code, _question_codes(data), "question", errors,
                                  text=first_question.label.get(_default(data), ""))
    _check_field(given, errors)
    section = _apply_section(None, given, languages)
    section["questions"] = [_apply_question(None, first_question, languages, errors)]
    if not section_ok:
        section["code"] = _placeholder_code(data)
    if not question_ok:
        section["questions"][0]["code"] = _placeholder_code(data) + "_q"
    data["sections"].append(section)
    index = len(data["sections"]) - 1
    edit = Edit(data, f"section {given.code} added with question {first_question.code}",
                {f"sections[{index}]": "section.", question_path(index, 0): ""})
    _raise_with_loader_errors(edit, errors)
    return edit


def update_section(data: Data, section_code: str, given: SectionInput) -> Edit:
    """Change a section's code, title, introduction or integration field (section codes are
    page addresses, not export columns, so they may change)."""
    data = copy.deepcopy(data)
    index = section_index(data, section_code)
    errors = FormErrors()
    code_ok = given.code == section_code or _check_new_code(
        given.code, _section_codes(data, index), "section", errors, text=given.title.get(_default(data), ""))
    _check_field(given, errors)
    data["sections"][index] = _apply_section(data["sections"][index], given, language_codes(data))
    if not code_ok:
        data["sections"][index]["code"] = section_code
    edit = Edit(data, f"section {section_code} updated" + (f" (code now {given.code})" if given.code != section_code else ""),
                {f"sections[{index}]": ""})
    _raise_with_loader_errors(edit, errors)
    return edit


def move_section(data: Data, section_code: str, direction: str) -> Edit:
    data = copy.deepcopy(data)
    index = section_index(data, section_code)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(data["sections"]):
        raise _fail("section:" + section_code, "cannot_move", ALREADY_FIRST if direction == "up" else ALREADY_LAST)
    sections = data["sections"]
    sections[index], sections[target] = sections[target], sections[index]
    edit = Edit(data, f"section {section_code} moved {direction}")
    _raise_with_loader_errors(edit, FormErrors(), owner="section:" + section_code)
    return edit


def delete_section(data: Data, section_code: str) -> Edit:
    """Delete a section with its questions; refused while conditions elsewhere use them."""
    data = copy.deepcopy(data)
    index = section_index(data, section_code)
    key = "section:" + section_code
    if len(data["sections"]) == 1:
        raise _fail(key, "last_section", staff_text("A questionnaire needs at least one section."))
    codes = [q.get("code") for q in data["sections"][index].get("questions", [])]
    users = [r for r in references_to(data, codes, exclude_owners=codes) if r.section != section_code]
    if users:
        raise _fail(key, "section_referred_to", staff_text(
            "The section %(code)s cannot be deleted: %(where)s uses its questions in a condition. Change or remove those "
            "conditions first."), code=section_code, where=_where(users))
    del data["sections"][index]
    edit = Edit(data, f"section {section_code} deleted")
    _raise_with_loader_errors(edit, FormErrors(), owner=key)
    return edit


# --- questionnaire settings, districts, new questionnaires -------------------------------------


@dataclass
class LanguageRow:
    code: str
    offered: bool = False
    partial: bool = False
    reviewed: bool = True


@dataclass
class SettingsInput:
    title: dict[str, str] = field(default_factory=dict)
    intro: dict[str, str] = field(default_factory=dict)
    default_language: str = "de"
    languages: list[LanguageRow] = field(default_factory=list)  # one row per known language

    @classmethod
    def from_data(cls, data: Data) -> SettingsInput:
        declared = {entry["code"]: entry for entry in data.get("languages", []) if isinstance(entry, dict)}
        declared.update({entry: {"code": entry} for entry in data.get("languages", []) if isinstance(entry, str)})
        rows = [LanguageRow(tag, tag in declared, bool(declared.get(tag, {}).get("partial")),
                            bool(declared.get(tag, {}).get("reviewed", True))) for tag in LANGUAGES]
        return cls(dict(data.get("title") or {}), dict(data.get("intro") or {}), data.get("default_language", "de"), rows)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> SettingsInput:
        rows = [LanguageRow(tag, bool(form.get(f"offered.{tag}")), bool(form.get(f"partial.{tag}")),
                            bool(form.get(f"reviewed.{tag}"))) for tag in LANGUAGES]
        return cls(texts_from_form(form, "title", LANGUAGES), texts_from_form(form, "intro", LANGUAGES),
                   (form.get("default_language") or "").strip(), rows)


def _texts(data: Any) -> Iterator[dict[str, Any]]:
    """Every text mapping in the data (audio clips are not texts a translator writes)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TEXT_KEYS and isinstance(value, dict):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(data, list):
        for item in data:
            yield from _texts(item)


def _drop_language(data: Any, language: str) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TEXT_KEYS + ("audio",) and isinstance(value, dict):
                value.pop(language, None)
            else:
                _drop_language(value, language)
    elif isinstance(data, list):
        for item in data:
            _drop_language(item, language)


def update_settings(data: Data, given: SettingsInput) -> Edit:
    """Title, introduction, default language and languages. A language added here starts
    partial (its texts fall back until translated); a removed one loses its texts in the new
    draft (published versions keep them)."""
    data = copy.deepcopy(data)
    errors = FormErrors()
    before = {entry["code"] if isinstance(entry, dict) else entry: entry for entry in data.get("languages", [])}
    rows = {row.code: row for row in given.languages if row.code in LANGUAGES and row.offered}
    if given.default_language not in rows:
        errors.add("default_language", "default_language_not_offered",
                   staff_text("The default language must be one of the offered languages."))
    order = [code for code in before if code in rows] + [code for code in rows if code not in before]
    languages = []
    for code in order:
        row = rows[code]
        partial = row.partial or code not in before
        if code == given.default_language:
            partial = False
        was_partial = isinstance(before.get(code), dict) and before[code].get("partial")
        if code in before and was_partial and not partial:
            missing = sum(1 for text in _texts(data) if code not in text)
            if missing:
                errors.add(f"partial.{code}", "language_lacks_texts", staff_text(
                    "%(language)s still lacks %(n)d texts. Translate them first, or keep the language partial so they fall back."),
                    language=LANGUAGES[code], n=missing)
        languages.append({"code": code, "reviewed": row.reviewed, "partial": partial})
    for code in before:
        if code not in rows:
            _drop_language(data, code)
    data["languages"] = languages
    data["default_language"] = given.default_language
    codes = [entry["code"] for entry in languages]
    _set_text(data, "title", given.title, codes, required=True)
    _set_text(data, "intro", given.intro, codes, required=False)
    edit = Edit(data, "settings changed", {"title": "title", "intro": "intro", "languages": "languages!",
                                           "default_language": "default_language"})
    _raise_with_loader_errors(edit, errors)
    return edit


def set_districts(data: Data, rows: list[OptionRow]) -> Edit:
    """The districts that district questions offer; codes conditions use must stay."""
    data = copy.deepcopy(data)
    errors = FormErrors()
    kept = {row.code for row in rows}
    for _section, question in all_questions(data):
        if question.get("type") == "district":
            for option_code, referrers in option_references(data, question["code"]).items():
                if option_code not in kept:
                    errors.add("options", "option_used", OPTION_USED, option=option_code, where=_where(referrers))
    districts = _options_value(rows, data.get("districts"), language_codes(data), False)
    if districts:
        data["districts"] = districts
    else:
        data.pop("districts", None)
    edit = Edit(data, "districts changed", {"districts": "options"})
    _raise_with_loader_errors(edit, errors)
    return edit


def use_city_districts(data: Data) -> Edit:
    """District questions offer the city's district list (``districts: municipality``) instead
    of a list of the questionnaire's own; conditions keep the codes they test."""
    data = copy.deepcopy(data)
    data["districts"] = MUNICIPALITY
    return Edit(data, "districts: the city's list", {"districts": "options"})


def binds_city_districts(data: Data) -> bool:
    return data.get("districts") == MUNICIPALITY


@dataclass
class NewQuestionnaireInput:
    slug: str = ""
    title: str = ""
    default_language: str = "de"
    languages: list[str] = field(default_factory=list)  # the other languages offered
    section_title: str = ""
    welcome: str = ""


def new_questionnaire(given: NewQuestionnaireInput, taken_slugs: Collection[str] = ()) -> Edit:
    """A first draft: one section with a welcome text (a page needs at least one question;
    staff add theirs next). Other languages start partial, so the draft is valid before they
    are translated."""
    errors = FormErrors()
    if given.slug in taken_slugs:
        errors.add("slug", "slug_taken", staff_text("A questionnaire with the address %(slug)s exists already."), slug=given.slug)
    elif given.slug and not yaml_safe(given.slug):
        errors.add("slug", "code_unsafe", CODE_UNSAFE, code=given.slug)
    default = given.default_language
    others = [code for code in dict.fromkeys(given.languages) if code != default and code in LANGUAGES]
    languages = [{"code": default, "reviewed": True, "partial": False}] + [
        {"code": code, "reviewed": False, "partial": True} for code in others]
    section_code = suggest_code(given.section_title, max_length=24) if given.section_title.strip() else "general"
    data: Data = {
        "slug": given.slug,
        "default_language": default,
        "languages": languages,
        "title": {default: given.title.strip()} if given.title.strip() else {},
        "sections": [{
            "code": section_code,
            "title": {default: given.section_title.strip()} if given.section_title.strip() else {},
            "questions": [{
                "code": "welcome", "type": "info",
                "label": {default: given.welcome.strip()} if given.welcome.strip() else {},
            }],
        }],
    }
    edit = Edit(data, "questionnaire created", {
        "slug": "slug", "default_language": "default_language!", "languages": "languages!", "title": "title!",
        "sections[0].title": "section_title!", "sections[0].questions[0].label": "welcome!",
    })
    _raise_with_loader_errors(edit, errors)
    return edit


# --- conditions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a condition belongs to: a section, or a question of it."""

    section: str
    question: str | None = None

    def __str__(self) -> str:
        return f"question {self.question}" if self.question else f"section {self.section}"


def _target_data(data: Data, target: Target) -> tuple[dict[str, Any], str]:
    if target.question is None:
        index = section_index(data, target.section)
        return data["sections"][index], f"sections[{index}]"
    s_index, q_index = question_position(data, target.question)
    return data["sections"][s_index]["questions"][q_index], question_path(s_index, q_index)


def earlier_questions(data: Data, target: Target) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(section, question) pairs a condition of ``target`` may use: the questions before it
    that take an answer."""
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for section in data["sections"]:
        if target.question is None and section.get("code") == target.section:
            break
        for question in section.get("questions", []):
            if question.get("code") == target.question:
                return found
            if question.get("type") != "info" and operators_for(str(question.get("type"))):
                found.append((section, question))
    return found


def option_codes_of(data: Data, question: Mapping[str, Any]) -> list[str] | None:
    """The codes a rule on ``question`` may compare with; None for typed numbers."""
    kind = question.get("type")
    if kind in TYPES_WITH_OPTIONS:
        codes = [str(o.get("code")) for o in question.get("options") or []]
        return codes + (["other"] if question.get("other") else [])
    if kind == "yes_no":
        return ["yes", "no"]
    if kind == "district":
        districts = data.get("districts")
        # The city's list ('districts: municipality') is not in the data: its codes are typed.
        return [str(o.get("code")) for o in districts] if isinstance(districts, list) else None
    return None


@dataclass(frozen=True)
class ConditionState:
    """A condition as the builder shows it: its text, its rules when it fits the builder
    (``built`` None otherwise: it is shown read-only and can be kept or replaced)."""

    source: str | None
    built: BuiltCondition | None

    @property
    def fits(self) -> bool:
        return self.source is None or self.built is not None


def condition_state(data: Data, target: Target) -> ConditionState:
    owner, _path = _target_data(data, target)
    source = owner.get("condition")
    if not source:
        return ConditionState(None, None)
    built = parse_built(source)
    if built is not None:
        earlier = {str(q.get("code")): q for _s, q in earlier_questions(data, target)}
        for rule in built.rules:
            question = earlier.get(rule.question)
            kind = str(question.get("type")) if question is not None else None
            if check_rule(rule, kind, option_codes_of(data, question) if question is not None else None):
                built = None
                break
    return ConditionState(source, built)


def make_rule(data: Data, target: Target, question_code: str, operator: str, values: list[str]) -> Rule:
    """A rule from the builder's form, checked against the question it uses (fields
    ``rule.question``, ``rule.operator``, ``rule.values``)."""
    earlier = {str(q.get("code")): q for _s, q in earlier_questions(data, target)}
    question = earlier.get(question_code)
    kind = str(question.get("type")) if question is not None else None
    values = [value.strip() for value in values if value.strip()]
    rule = Rule(question_code, operator, tuple(dict.fromkeys(values)))
    problems = check_rule(rule, kind, option_codes_of(data, question) if question is not None else None)
    if problems:
        errors = FormErrors()
        for problem in problems:
            errors.add_problem(f"rule.{problem.where.field}", problem)
        raise errors
    return rule


def _question_types(data: Data) -> dict[str, str]:
    return {str(q.get("code")): str(q.get("type")) for _s, q in all_questions(data)}


def _set_condition(data: Data, target: Target, built: BuiltCondition | None, summary: str) -> Edit:
    data = copy.deepcopy(data)
    owner, path = _target_data(data, target)
    if built is None or not built.rules:
        owner.pop("condition", None)
    else:
        owner["condition"] = condition_source(normalized(built, _question_types(data)), _question_types(data))
    edit = Edit(data, summary, {path: ""})
    _raise_with_loader_errors(edit, FormErrors())
    return edit


def add_rule(data: Data, target: Target, rule: Rule, combinator: str = AND, replace: bool = False) -> Edit:
    """Add a rule to the condition of ``target`` (``replace``: start over, dropping a condition
    the builder cannot show)."""
    state = condition_state(data, target)
    rules = () if replace or state.built is None else state.built.rules
    if state.source and state.built is None and not replace:
        raise _fail("condition", "condition_not_builder", staff_text(
            "This condition cannot be shown as rules. Keep it, or replace it with rules built here."))
    combinator = combinator if combinator in (AND, OR) else AND
    return _set_condition(data, target, BuiltCondition(combinator, rules + (rule,)), f"condition of {target}: rule added")


def remove_rule(data: Data, target: Target, index: int) -> Edit:
    state = condition_state(data, target)
    if state.built is None or not 0 <= index < len(state.built.rules):
        raise _fail("condition", "no_rule", NO_RULE)
    rules = state.built.rules[:index] + state.built.rules[index + 1:]
    return _set_condition(data, target, BuiltCondition(state.built.combinator, rules), f"condition of {target}: rule removed")


def set_combinator(data: Data, target: Target, combinator: str) -> Edit:
    state = condition_state(data, target)
    if state.built is None:
        raise _fail("condition", "no_rule", NO_RULE)
    combinator = combinator if combinator in (AND, OR) else AND
    return _set_condition(data, target, BuiltCondition(combinator, state.built.rules), f"condition of {target}: {combinator}")


def clear_condition(data: Data, target: Target) -> Edit:
    return _set_condition(data, target, None, f"condition of {target} removed")


# --- helpers ----------------------------------------------------------------------------------


def _default(data: Data) -> str:
    return str(data.get("default_language", "de"))


def _raise_with_loader_errors(edit: Edit, errors: FormErrors, owner: str | None = None) -> None:
    """Raise when the form input or the loader found problems; the loader's are added so staff
    see all of them at once. ``owner``: the key that problems of a move or delete belong to."""
    try:
        check(edit)
    except FormErrors as loader_errors:
        own = set(errors.fields)
        for problem in loader_errors.problems:
            if owner is not None:
                errors.add_problem(owner, problem)  # a move or delete has no form: what broke is shown at its row
            elif problem.where.field not in own:  # else the form's own problem on that field says it better
                errors.problems.append(problem)
    if errors:
        raise errors
