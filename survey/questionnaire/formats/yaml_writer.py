"""A questionnaire as the plain data its file holds (``to_data``), and that data written as YAML
in the documented layout, one line per translation (``dump_data``). The web editor edits the
same data, so a file written here, an edited questionnaire and a loaded one agree key for key."""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from survey.questionnaire.model import Option, Question, Questionnaire, QuestionType, Text

HEADER = "# Questionnaire file; the format is described in docs/questionnaire-format.md\n"
Data = dict[str, Any]

TYPES_WITH_OPTIONS = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.SCALE)
TYPES_WITH_RANGE = (QuestionType.NUMBER, QuestionType.YEAR)
TYPES_WITH_LENGTH = (QuestionType.TEXT, QuestionType.LONG_TEXT)


# --- model -> data ----------------------------------------------------------------------------


def _text_data(text: Text | None) -> dict[str, str] | None:
    return dict(text.translations) if text is not None else None


def _option_data(option: Option, exclusive_allowed: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"code": option.code}
    if option.exclusive and exclusive_allowed:
        data["exclusive"] = True
    if option.condition is not None:
        data["condition"] = option.condition.source
    data["label"] = _text_data(option.label)
    if option.audio:
        data["audio"] = _text_data(option.audio)
    return data


def _question_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"code": question.code, "type": question.type.value}
    if question.required:
        data["required"] = True
    if question.condition is not None:
        data["condition"] = question.condition.source
    if question.other:
        data["other"] = True
    if question.type in TYPES_WITH_RANGE:
        if question.minimum is not None:
            data["min"] = question.minimum
        if question.maximum is not None:
            data["max"] = question.maximum
    if question.decimals:
        data["decimals"] = True
    if question.type in TYPES_WITH_LENGTH and question.max_length:
        data["max_length"] = question.max_length
    if question.constraint is not None:
        data["constraint"] = question.constraint.source
    data["label"] = _text_data(question.label)
    if question.hint:
        data["hint"] = _text_data(question.hint)
    if question.audio:
        data["audio"] = _text_data(question.audio)
    if question.constraint_message:
        data["constraint_message"] = _text_data(question.constraint_message)
    if question.type in TYPES_WITH_OPTIONS:
        multiple = question.type is QuestionType.MULTIPLE_CHOICE
        data["options"] = [_option_data(option, multiple) for option in question.options]
    return data


def to_data(questionnaire: Questionnaire) -> Data:
    """The plain data of a questionnaire, as its file holds it; loading ``dump_data`` of it
    gives the same questionnaire."""
    data: Data = {
        "slug": questionnaire.slug,
        "default_language": questionnaire.default_language,
        "languages": [
            {"code": spec.code, "reviewed": spec.reviewed, "partial": spec.partial}
            for spec in questionnaire.languages
        ],
        "title": _text_data(questionnaire.title),
    }
    if questionnaire.intro:
        data["intro"] = _text_data(questionnaire.intro)
    if questionnaire.districts_from is not None:
        data["districts"] = questionnaire.districts_from  # the binding, never the list it resolved to
    elif questionnaire.districts:
        data["districts"] = [_option_data(option, False) for option in questionnaire.districts]
    if questionnaire.breakdowns:
        data["analysis"] = {"breakdowns": list(questionnaire.breakdowns)}
    if questionnaire.offer_mapping:
        data["offer_mapping"] = dict(questionnaire.offer_mapping)
    sections = []
    for section in questionnaire.sections:
        entry: dict[str, Any] = {"code": section.code}
        if section.field is not None:
            entry["field"] = str(section.field)
        if section.condition is not None:
            entry["condition"] = section.condition.source
        if section.need is not None:
            entry["need"] = section.need.source
        entry["title"] = _text_data(section.title)
        if section.intro:
            entry["intro"] = _text_data(section.intro)
        entry["questions"] = [_question_data(question) for question in section.questions]
        sections.append(entry)
    data["sections"] = sections
    return data


# --- data -> YAML -----------------------------------------------------------------------------

# Characters JSON leaves raw but YAML refuses (DEL, C1 controls, non-characters) or reads as a
# line break (NEL, U+2028, U+2029) are written as \u escapes, so every text a spreadsheet or a
# form can hold reads back unchanged.
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_RESOLVER = yaml.resolver.Resolver()
# Keys written first, in this order; others follow as the data has them.
_QUESTION_KEYS = ("code", "type", "required", "condition", "other", "min", "max", "decimals", "max_length",
                  "constraint", "label", "hint", "audio", "constraint_message", "options")


def _scalar(value: Any) -> str:
    """Any value as a YAML flow scalar or collection: JSON is valid YAML and escapes what needs it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(value)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", _json(value))


# json.dumps(value, ensure_ascii=False) builds a new encoder on every call; one is enough.
_json = json.JSONEncoder(ensure_ascii=False).encode


def _code(value: Any) -> str:
    """A slug or code as it is when YAML reads it back as that string; quoted when YAML would
    read a number, a yes/no value or null (an XLSForm question named ``no``, a form_id ``2024``)."""
    if not isinstance(value, str):
        return _scalar(value)
    return _string_code(value)


@functools.lru_cache(maxsize=4096)
def _string_code(value: str) -> str:
    """``_code`` of a string: the same few codes (language tags above all) come again and again."""
    plain = re.fullmatch(r"[A-Za-z0-9_.-]+", value) is not None
    if plain and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str":
        return value
    return _scalar(value)


def _text(key: str, text: Any, indent: int, languages: Iterable[str]) -> list[str]:
    pad = " " * indent
    if not isinstance(text, Mapping):
        return [f"{pad}{key}: {_scalar(text)}"]
    lines = [f"{pad}{key}:"]
    ordered = [*[tag for tag in languages if tag in text], *[tag for tag in text if tag not in languages]]
    for language in ordered:
        if text[language] is not None:
            lines.append(f"{pad}  {_code(language)}: {_scalar(text[language])}")
    return lines if len(lines) > 1 else [f"{pad}{key}: {{}}"]


def _options(options: list[Any], indent: int, languages: list[str]) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for option in options:
        if not isinstance(option, Mapping):
            lines.append(f"{pad}- {_scalar(option)}")
            continue
        lines.append(f"{pad}- code: {_scalar(option.get('code'))}")
        for key, value in option.items():
            if key == "code":
                continue
            if key in ("label", "audio"):
                lines += _text(key, value, indent + 2, languages)
            elif key == "condition":
                lines.append(f"{pad}  condition: {_scalar(value)}")
            else:
                lines.append(f"{pad}  {_code(key)}: {_scalar(value)}")
    return lines


def _question(question: Mapping[str, Any], languages: list[str]) -> list[str]:
    lines = [f"      - code: {_code(question.get('code'))}"]
    keys = [*[key for key in _QUESTION_KEYS[1:] if key in question], *[key for key in question if key not in _QUESTION_KEYS]]
    for key in keys:
        value = question[key]
        if key in ("label", "hint", "audio", "constraint_message"):
            lines += _text(key, value, 8, languages)
        elif key == "options" and isinstance(value, list) and value:
            lines.append("        options:")
            lines += _options(value, 10, languages)
        elif key in ("type",):
            lines.append(f"        type: {_code(value)}")
        else:
            lines.append(f"        {_code(key)}: {_scalar(value)}")
    return lines


def _language_line(spec: Any) -> str:
    if not isinstance(spec, Mapping):
        return f"  - {_code(spec)}"
    flags = []
    if spec.get("reviewed") is False:
        flags.append("reviewed: false")
    if spec.get("partial"):
        flags.append("partial: true")
    code = _code(spec.get("code"))
    return f"  - {{code: {code}, {', '.join(flags)}}}" if flags else f"  - {code}"


def dump_data(data: Mapping[str, Any], header: str = HEADER) -> str:
    """``data`` (``to_data``'s, or the editor's changed copy of it) as YAML in the documented
    layout. Values of an unexpected shape are written as they are, for the loader to name."""
    specs = data.get("languages") or []
    languages = [str(spec.get("code")) if isinstance(spec, Mapping) else str(spec) for spec in specs]
    lines = [header.rstrip("\n")] if header else []
    lines += [f"slug: {_code(data.get('slug'))}", f"default_language: {_code(data.get('default_language'))}", "languages:"]
    lines += [_language_line(spec) for spec in specs]
    lines += _text("title", data.get("title"), 0, languages)
    if data.get("intro"):
        lines += _text("intro", data["intro"], 0, languages)
    if isinstance(data.get("districts"), list) and data["districts"]:
        lines.append("districts:")
        lines += _options(data["districts"], 2, languages)
    elif data.get("districts"):
        lines.append(f"districts: {_scalar(data['districts'])}")
    breakdowns = (data.get("analysis") or {}).get("breakdowns") if isinstance(data.get("analysis"), Mapping) else None
    if breakdowns:
        lines.append("analysis:")
        lines.append(f"  breakdowns: [{', '.join(_code(code) for code in breakdowns)}]")
    if data.get("offer_mapping"):
        lines.append("offer_mapping:")
        lines += [f"  {_code(attribute)}: {_code(code)}" for attribute, code in data["offer_mapping"].items()]
    for key, value in data.items():
        if key not in ("slug", "default_language", "languages", "title", "intro", "districts", "analysis",
                       "offer_mapping", "sections"):
            lines.append(f"{_code(key)}: {_scalar(value)}")
    lines.append("")
    sections = data.get("sections")
    lines.append("sections:" if isinstance(sections, list) and sections else f"sections: {_scalar(sections)}")
    for section in sections if isinstance(sections, list) else []:
        if not isinstance(section, Mapping):
            lines.append(f"  - {_scalar(section)}")
            continue
        lines.append(f"  - code: {_code(section.get('code'))}")
        for key, value in section.items():
            if key in ("code", "questions"):
                continue
            if key in ("title", "intro"):
                lines += _text(key, value, 4, languages)
            elif key == "field":
                lines.append(f"    field: {_code(value)}")
            else:
                lines.append(f"    {_code(key)}: {_scalar(value)}")
        questions = section.get("questions")
        lines.append("    questions:" if isinstance(questions, list) and questions else f"    questions: {_scalar(questions)}")
        for question in questions if isinstance(questions, list) else []:
            lines += _question(question, languages) if isinstance(question, Mapping) else [f"      - {_scalar(question)}"]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def dump_questionnaire(questionnaire: Questionnaire, header: str = HEADER) -> str:
    """The questionnaire as a YAML file: ``dump_data(to_data(questionnaire))``."""
    return dump_data(to_data(questionnaire), header)
