"""Problems found while loading a questionnaire, with where they are and how to fix them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # where in the document, e.g. "sections[2].questions[0].type"
    message: str  # what is wrong and how to fix it
    line: int | None = None  # 1-based line in the file, when known
    severity: str = "error"  # "error" refuses the file; "warning" is reported only

    def format(self, source_name: str) -> str:
        location = f"{source_name}:{self.line}" if self.line else source_name
        where = f" {self.path}:" if self.path else ""
        label = "" if self.severity == "error" else " warning:"
        return f"{location}:{label}{where} {self.message}"


class QuestionnaireError(ValueError):
    """The file was refused; ``problems`` lists every error (and the warnings found with them)."""

    def __init__(self, source_name: str, problems: list[Problem]) -> None:
        self.source_name = source_name
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        lines = [p.format(source_name) for p in errors]
        super().__init__(
            f"{source_name}: {len(errors)} error{'s' if len(errors) != 1 else ''}\n" + "\n".join(lines)
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
