"""Problems found while loading a questionnaire, with where they are and how to fix them.

A problem is an English template with parameters (survey/problems.py): ``message`` and
``format`` give the English text (the CLI, logs), and the staff pages translate the same
template (survey/staff/problem_texts.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from survey.problems import Phrase, Templated, staff_text

MESSAGES: dict[str, str] = {
    "error": staff_text("%(location)s: %(message)s"),
    "error_at": staff_text("%(location)s: %(path)s: %(message)s"),
    "warning": staff_text("%(location)s: warning: %(message)s"),
    "warning_at": staff_text("%(location)s: warning: %(path)s: %(message)s"),
}


@dataclass(frozen=True)
class Problem(Templated):
    path: str  # where in the document, e.g. "sections[2].questions[0].type"
    template: str  # what is wrong and how to fix it, with %(name)s placeholders for ``params``
    line: int | None = None  # 1-based line in the file, when known
    severity: str = "error"  # "error" refuses the file; "warning" is reported only
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def located(self, source_name: str) -> Phrase:
        """The problem with the file, line and path in front (one of ``MESSAGES``), the problem
        itself a ``Phrase`` in it: English as it is, translated as a whole on a staff page."""
        location = f"{source_name}:{self.line}" if self.line else source_name
        key = ("error" if self.severity == "error" else "warning") + ("_at" if self.path else "")
        return Phrase(MESSAGES[key], {"location": location, "path": self.path,
                                      "message": Phrase(self.template, self.params)})

    def format(self, source_name: str) -> str:
        return self.located(source_name).message


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
