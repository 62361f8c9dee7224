"""Problems of imports and offer forms in the staff's language.

The domain modules (survey.table_import, survey.offers.inventory/importing, survey.municipality)
know nothing of Flask: each problem carries an English template from the module's ``MESSAGES``
(marked there with ``staff_text``, so pybabel puts it into the staff catalogue) and its
parameters. ``problem_text`` translates a problem for a staff page, with the row and column in
front.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext

from survey.table_import import MESSAGES as PLACES, RowProblem


def translated(template: str, params: Mapping[str, Any] | None = None) -> str:
    """``template`` (an English msgid with ``%(name)s`` placeholders) in the staff's language."""
    return gettext(template, **dict(params)) if params else gettext(template)


def problem_text(problem: Any) -> str:
    """A problem with ``template`` and ``params`` (``RowProblem``, ``FieldProblem``,
    ``CodeWarning``) in the staff's language; a ``RowProblem`` with "row N, column C:" in front."""
    message = translated(problem.template, problem.params)
    if isinstance(problem, RowProblem):
        place = problem.place()
        if place is not None:
            return translated(PLACES[place], {"row": problem.row, "column": problem.column, "message": message})
    return message
