"""A questionnaire file refused, with every problem found in it (survey/problems.py)."""
from __future__ import annotations

from collections.abc import Iterable

from survey.problems import Problem, Refused


class QuestionnaireError(Refused):
    """The file ``source_name`` was refused; ``problems`` lists every error (and the warnings
    found with them), each placed in that file."""

    def __init__(self, source_name: str, problems: Iterable[Problem]) -> None:
        self.source_name = source_name
        placed = [problem if problem.where.file else problem.at(file=source_name) for problem in problems]
        count = sum(1 for problem in placed if problem.is_error)
        super().__init__(placed, heading=f"{source_name}: {count} error{'s' if count != 1 else ''}")
