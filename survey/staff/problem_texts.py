"""Problems of imports and offer forms in the staff's language.

The domain modules (survey.files, survey.offers.inventory/importing, survey.store.municipality)
know nothing of Flask: each problem carries an English template from the module's ``MESSAGES``
(marked there with ``staff_text``, so pybabel puts it into the staff catalogue) and its
parameters. ``problem_text`` translates a problem for a staff page, with the row and column in
front.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext

from survey.languages import Language
from survey.questionnaire.errors import Problem
from survey.files import MESSAGES as PLACES, RowProblem
from survey.staff.language_names import name_of
from survey.problems import Phrase


def translated(template: str, params: Mapping[str, Any] | None = None) -> str:
    """``template`` (an English msgid with ``%(name)s`` placeholders) in the staff's language;
    parameters that are ``Phrase``s are translated too, and a ``Language`` is named in it."""
    if not params:
        return gettext(template)
    return gettext(template, **{name: _translated_value(value) for name, value in params.items()})


def _translated_value(value: Any) -> Any:
    if isinstance(value, Phrase):
        return translated(value.template, value.params)
    if isinstance(value, Language):
        return name_of(value)
    return value


def questionnaire_problem_text(problem: Problem, source_name: str) -> str:
    """A problem of a questionnaire file in the staff's language, with the file, line and path
    in front (``Problem.format`` in English)."""
    located = problem.located(source_name)
    return translated(located.template, located.params)


def problem_text(problem: Any) -> str:
    """A problem with ``template`` and ``params`` (``RowProblem``, ``FieldProblem``,
    ``CodeWarning``) in the staff's language; a ``RowProblem`` with "row N, column C:" in front."""
    message = translated(problem.template, problem.params)
    if isinstance(problem, RowProblem):
        place = problem.place()
        if place is not None:
            return translated(PLACES[place], {"row": problem.row, "column": problem.column, "message": message})
    return message
