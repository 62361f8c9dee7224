"""Problem texts the staff workspace can translate. No Flask.

A domain module names a problem by an English template with ``%(name)s`` placeholders (from its
``MESSAGES``) and the parameters; ``message`` is the English text (the CLI, logs, tests), and
survey/staff/problem_texts.py translates the same template for the staff pages. Templates are
marked with ``staff_text`` where they are written, so the catalogue is extracted from them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


def staff_text(template: str) -> str:
    """Marks an English template for the staff catalogue where it is written: the Makefile's
    ``extract-messages`` passes ``-k staff_text`` for the modules translations/babel-staff.cfg
    names. Returns the template unchanged; the staff pages translate it when they show it."""
    return template


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


@dataclass(frozen=True)
class Phrase(Templated):
    """A part worded on its own and put into a problem's parameters (a kind such as "a list",
    a hint such as " Did you mean 'x'?"): in English it reads as its text, and the staff pages
    translate it together with the message it is part of."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


def phrase(template: str, **params: Any) -> Phrase:
    """A ``Phrase`` of ``template`` (marked with ``staff_text`` where written) and ``params``."""
    return Phrase(template, params)
