"""Problem texts the staff workspace can translate. No Flask.

A domain module names a problem by an English template with ``%(name)s`` placeholders (from its
``MESSAGES``) and the parameters; ``message`` is the English text (the CLI, logs, tests), and
survey/staff/problem_texts.py translates the same template for the staff pages.
"""
from __future__ import annotations

from typing import Any, Mapping


class Templated:
    """Mixed into a problem dataclass that has ``template`` and ``params`` fields."""

    template: str
    params: Mapping[str, Any]

    @property
    def message(self) -> str:
        return fill(self.template, self.params)

    def __str__(self) -> str:
        return self.message


def fill(template: str, params: Mapping[str, Any] | None) -> str:
    """The English text: ``template % params`` (a template without parameters stays as it is)."""
    return template % dict(params) if params else template
