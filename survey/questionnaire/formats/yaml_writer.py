"""Write a questionnaire back as YAML in the documented layout (one line per translation)."""
from __future__ import annotations

import json
import re
from typing import Iterable

import yaml

from survey.questionnaire.model import Option, Question, Questionnaire, QuestionType, Text

HEADER = "# Questionnaire file; the format is described in docs/questionnaire-format.md\n"


# Characters JSON leaves raw but YAML refuses (DEL, C1 controls, non-characters) or reads as a
# line break (NEL, U+2028, U+2029) are written as \u escapes, so every text a spreadsheet or a
# form can hold reads back unchanged.
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def _scalar(value: str) -> str:
    # JSON strings are valid YAML double-quoted scalars and escape everything that needs it.
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


_RESOLVER = yaml.resolver.Resolver()


def _code(value: str) -> str:
    """A slug or code as it is when YAML reads it back as that string; quoted when YAML would
    read a number, a yes/no value or null (an XLSForm question named ``no``, a form_id ``2024``)."""
    plain = re.fullmatch(r"[A-Za-z0-9_.-]+", value) is not None
    if plain and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str":
        return value
    return _scalar(value)


def _text(key: str, text: Text, indent: int, languages: Iterable[str]) -> list[str]:
    pad = " " * indent
    lines = [f"{pad}{key}:"]
    for language in languages:
        value = text.get(language)
        if value is not None:
            lines.append(f"{pad}  {language}: {_scalar(value)}")
    return lines


def _options(options: Iterable[Option], indent: int, languages: list[str]) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for option in options:
        lines.append(f"{pad}- code: {_scalar(option.code)}")
        if option.exclusive:
            lines.append(f"{pad}  exclusive: true")
        if option.condition is not None:
            lines.append(f"{pad}  condition: {_scalar(option.condition.source)}")
        lines += _text("label", option.label, indent + 2, languages)
        if option.audio:
            lines += _text("audio", option.audio, indent + 2, languages)
    return lines


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _question(question: Question, languages: list[str]) -> list[str]:
    lines = [f"      - code: {_code(question.code)}", f"        type: {question.type.value}"]
    if question.required:
        lines.append("        required: true")
    if question.condition is not None:
        lines.append(f"        condition: {_scalar(question.condition.source)}")
    if question.other:
        lines.append("        other: true")
    if question.type in (QuestionType.NUMBER, QuestionType.YEAR):
        if question.minimum is not None:
            lines.append(f"        min: {_number(question.minimum)}")
        if question.maximum is not None:
            lines.append(f"        max: {_number(question.maximum)}")
    if question.decimals:
        lines.append("        decimals: true")
    if question.type in (QuestionType.TEXT, QuestionType.LONG_TEXT) and question.max_length:
        lines.append(f"        max_length: {question.max_length}")
    if question.constraint is not None:
        lines.append(f"        constraint: {_scalar(question.constraint.source)}")
    lines += _text("label", question.label, 8, languages)
    if question.hint:
        lines += _text("hint", question.hint, 8, languages)
    if question.audio:
        lines += _text("audio", question.audio, 8, languages)
    if question.constraint_message:
        lines += _text("constraint_message", question.constraint_message, 8, languages)
    if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.SCALE):
        lines.append("        options:")
        lines += _options(question.options, 10, languages)
    return lines


def dump_questionnaire(questionnaire: Questionnaire, header: str = HEADER) -> str:
    languages = list(questionnaire.language_codes)
    lines = [header.rstrip("\n")] if header else []
    lines += [f"slug: {_code(questionnaire.slug)}", f"default_language: {questionnaire.default_language}", "languages:"]
    for spec in questionnaire.languages:
        flags = []
        if not spec.reviewed:
            flags.append("reviewed: false")
        if spec.partial:
            flags.append("partial: true")
        lines.append(f"  - {{code: {spec.code}, {', '.join(flags)}}}" if flags else f"  - {spec.code}")
    lines += _text("title", questionnaire.title, 0, languages)
    if questionnaire.intro:
        lines += _text("intro", questionnaire.intro, 0, languages)
    if questionnaire.districts:
        lines.append("districts:")
        lines += _options(questionnaire.districts, 2, languages)
    if questionnaire.breakdowns:
        lines.append("analysis:")
        lines.append(f"  breakdowns: [{', '.join(_code(code) for code in questionnaire.breakdowns)}]")
    if questionnaire.offer_mapping:
        lines.append("offer_mapping:")
        lines += [f"  {attribute}: {_code(code)}" for attribute, code in questionnaire.offer_mapping.items()]
    lines.append("")
    lines.append("sections:")
    for section in questionnaire.sections:
        lines.append(f"  - code: {_code(section.code)}")
        if section.field is not None:
            lines.append(f"    field: {section.field}")
        if section.condition is not None:
            lines.append(f"    condition: {_scalar(section.condition.source)}")
        if section.need is not None:
            lines.append(f"    need: {_scalar(section.need.source)}")
        lines += _text("title", section.title, 4, languages)
        if section.intro:
            lines += _text("intro", section.intro, 4, languages)
        lines.append("    questions:")
        for question in section.questions:
            lines += _question(question, languages)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
