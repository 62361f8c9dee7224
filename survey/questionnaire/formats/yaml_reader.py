"""Read a questionnaire file (YAML, safe loader only) -> located data -> validated model."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from survey.problems import Problem, Where, staff_text
from survey.questionnaire.builder import build_questionnaire
from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.located_yaml import YamlSyntaxError, read_yaml
from survey.questionnaire.model import Questionnaire

MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class LoadedQuestionnaire:
    questionnaire: Questionnaire
    warnings: list[Problem]
    source: str  # the exact text, kept with each stored version
    source_name: str
    source_format: str = "yaml"

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()


def load_questionnaire_text(source: str, source_name: str = "<text>", line_references: bool = True) -> LoadedQuestionnaire:
    """``line_references`` False: no problem refers to another line (the web editor's text has
    lines no one sees)."""
    try:
        data = read_yaml(source)
    except YamlSyntaxError as error:
        raise QuestionnaireError(source_name, [error.problem]) from None
    questionnaire, warnings = build_questionnaire(data, source_name, line_references)
    return LoadedQuestionnaire(questionnaire, warnings, source, source_name)


def load_questionnaire_bytes(raw: bytes, source_name: str) -> LoadedQuestionnaire:
    if len(raw) > MAX_FILE_BYTES:
        raise QuestionnaireError(source_name, [Problem("too_large", staff_text("The file is larger than %(mb)s MB."),
                                                       {"mb": MAX_FILE_BYTES // 1024 // 1024})])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise QuestionnaireError(source_name, [Problem(
            "not_utf8", staff_text("The file is not valid UTF-8 (byte %(byte)s); save it as UTF-8."), {"byte": error.start + 1},
            where=Where(line=line))]) from None
    return load_questionnaire_text(text.removeprefix("\ufeff"), source_name)


def unreadable_file(error: OSError) -> Problem:
    """The system's reason (English, as the system words it) why a file cannot be read."""
    return Problem("unreadable_file", staff_text("The file cannot be read: %(reason)s."), {"reason": error.strerror})


def load_questionnaire_file(path: str | Path) -> LoadedQuestionnaire:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise QuestionnaireError(path.name, [unreadable_file(error)]) from None
    return load_questionnaire_bytes(raw, path.name)
