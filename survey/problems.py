"""One way to state a problem, for every upload, import and form. No Flask.

A ``Problem`` is a whole English sentence (``template``, marked with ``staff_text`` where it is
written, with ``%(name)s`` placeholders for ``params``), a stable ``code`` that names the kind of
problem whatever the wording, a ``severity``, and ``where`` it is (file, line, sheet, row,
column, path in the document, form field), which is never part of the sentence: a staff page
shows the place in its own element and translates the sentence as a whole
(survey/staff/problem_texts.py); the CLI prints ``where: sentence`` in English (``str``).

A sentence is never built from translated pieces: a variant (with or without a suggestion, a
line reference, a kind of value) is a template of its own, so a translator can order each
freely. A parameter is data: a key, a code, a number, a file name, or a ``Language``, which a
staff page names in the reader's language.

``Refused`` is the one exception that carries problems; callers that tell refusals apart by
type catch its thin subclasses (``QuestionnaireError``, ``TableImportError``, ...).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

Severity = Literal["error", "warning"]


def staff_text(template: str) -> str:
    """Marks an English template for the staff catalogue where it is written: the Makefile's
    ``extract-messages`` passes ``-k staff_text`` for the modules translations/babel-staff.cfg
    names. Returns the template unchanged; the staff pages translate it when they show it."""
    return template


@dataclass(frozen=True)
class Where:
    """Where a problem is; every part optional. Rows count like a spreadsheet (header = 1)."""

    file: str = ""  # the file's name, as uploaded or given
    line: int | None = None  # a line of a text file (YAML, .po)
    sheet: str = ""  # a sheet of a workbook
    row: int | None = None  # a row of a sheet or table
    column: str = ""  # a column: its letter in a workbook (with ``sheet``), its name in a table
    character: int | None = None  # 1-based, in an expression or condition
    section: str = ""  # the web editor: a section's code
    question: str = ""  # the web editor: a question's code
    path: str = ""  # in the questionnaire's data: sections[2].questions[0].type
    key: str = ""  # a text's key in a translation file
    field: str = ""  # a form field; the page shows the problem at that field

    def __bool__(self) -> bool:
        return any(getattr(self, part.name) not in ("", None) for part in fields(self))

    @property
    def cell(self) -> str:
        """The spreadsheet reference of a cell (``survey!E3``), or "" when this is no cell."""
        if self.sheet and self.column and self.row is not None:
            return f"{self.sheet}!{self.column}{self.row}"
        return ""

    def __str__(self) -> str:
        """English, for the CLI and logs: ``kurz.yaml:12: sections[0].code``, ``survey!E3``,
        ``row 2, column name``, then the character in an expression."""
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line is not None else self.file)
        elif self.line is not None:
            parts.append(f"line {self.line}")
        place = []
        if self.cell:
            place.append(self.cell)
        elif self.sheet:
            place.append(f"{self.sheet} row {self.row}" if self.row is not None else self.sheet)
        else:
            if self.row is not None:
                place.append(f"row {self.row}")
            if self.column:
                place.append(f"column {self.column}")
        if self.section:
            place.append(f"section {self.section}")
        if self.question:
            place.append(f"question {self.question}")
        if place:
            parts.append(", ".join(place))
        parts += [part for part in (self.path, self.key, self.field) if part]
        if self.character is not None:
            parts.append(f"character {self.character}")
        return ": ".join(parts)


NOWHERE = Where()


@dataclass(frozen=True)
class Problem:
    """What is wrong (or, as a warning, worth knowing) and how to fix it, in one sentence."""

    code: str  # stable: tests and callers tell problems apart by it, never by the wording
    template: str  # a whole English sentence with %(name)s placeholders
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    severity: Severity = "error"
    where: Where = NOWHERE
    reason: Problem | None = None  # a second sentence that says why (a parser's own problem)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def message(self) -> str:
        """The English sentence (and its reason); without the place."""
        text = fill(self.template, self.params)
        return f"{text} {self.reason.message}" if self.reason is not None else text

    def at(self, **parts: Any) -> Problem:
        """The same problem at another place: ``where`` with ``parts`` replaced."""
        return replace(self, where=replace(self.where, **parts))

    def placed(self, where: Where) -> Problem:
        return replace(self, where=where)

    def __str__(self) -> str:
        """English, for the CLI and logs: ``where: [warning: ]sentence``."""
        text = self.message if self.is_error else f"warning: {self.message}"
        return f"{self.where}: {text}" if self.where else text


def fill(template: str, params: Mapping[str, Any] | None) -> str:
    """The English text: ``template % params`` (a template without parameters stays as it is)."""
    return template % dict(params) if params else template


class Refused(ValueError):
    """The input was refused; ``problems`` lists every error, and the warnings found with them."""

    def __init__(self, problems: Iterable[Problem], heading: str = "") -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.errors or self.problems]
        super().__init__("\n".join([heading, *lines] if heading else lines))

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_error]
