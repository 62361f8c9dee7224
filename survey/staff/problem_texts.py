"""Problems (survey/problems.py) on staff pages, in the staff's language.

The domain modules know nothing of Flask: a problem carries a whole English sentence (marked with
``staff_text`` where it is written, so pybabel puts it into the staff catalogue), its parameters
and where it is. ``problem_text`` translates the sentence as a whole; ``where_text`` words the
place with translated labels ("Zeile 2, Spalte name"), which the page shows in its own element
(templates/staff/_problems.html), never inside the sentence.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import get_template_attribute
from flask_babel import gettext
from markupsafe import Markup, escape

from survey.languages import Language
from survey.problems import Problem, Where
from survey.staff import bp
from survey.staff.language_names import name_of


def translated(template: str, params: Mapping[str, Any] | None = None) -> str:
    """``template`` (an English msgid with ``%(name)s`` placeholders) in the staff's language; a
    ``Language`` parameter is named in that language."""
    if not params:
        return gettext(template)
    return gettext(template, **{name: name_of(value) if isinstance(value, Language) else value
                                for name, value in params.items()})


@bp.app_template_global()
def problem_text(problem: Problem) -> str:
    """The problem's sentence (and the sentence of its reason) in the staff's language, without
    the place."""
    text = translated(problem.template, problem.params)
    return f"{text} {problem_text(problem.reason)}" if problem.reason is not None else text


@bp.app_template_global()
def where_text(where: Where) -> Markup:
    """The place of a problem, each part with its translated label; "" for a form field, where
    the page shows the problem at the field itself."""
    parts: list[Markup] = []
    if where.file:
        parts.append(Markup("<code>%s</code>") % where.file)
    if where.line is not None:
        parts.append(escape(gettext("Line %(n)d", n=where.line)))
    if where.cell:
        parts.append(escape(gettext("Sheet %(sheet)s, cell %(cell)s", sheet=where.sheet, cell=f"{where.column}{where.row}")))
    elif where.sheet and where.row is not None:
        parts.append(escape(gettext("Sheet %(sheet)s, row %(n)d", sheet=where.sheet, n=where.row)))
    elif where.sheet:
        parts.append(escape(gettext("Sheet %(sheet)s", sheet=where.sheet)))
    elif where.row is not None and where.column:
        parts.append(escape(gettext("Row %(n)d, column %(column)s", n=where.row, column=where.column)))
    elif where.row is not None:
        parts.append(escape(gettext("Row %(n)d", n=where.row)))
    elif where.column:
        parts.append(escape(gettext("Column %(column)s", column=where.column)))
    if where.section and where.question:
        parts.append(escape(gettext("Section %(section)s, question %(question)s", section=where.section, question=where.question)))
    elif where.section:
        parts.append(escape(gettext("Section %(section)s", section=where.section)))
    for code in (where.path, where.key):
        if code:
            parts.append(Markup("<code>%s</code>") % code)
    if where.character is not None:
        parts.append(escape(gettext("Character %(n)d", n=where.character)))
    return Markup('<span class="separator" aria-hidden="true"> · </span>').join(parts)


def problem_html(problem: Problem | str, mark_warning: bool = True) -> Markup:
    """One problem as the pages show it (its place, a warning mark, the sentence), for views that
    pass it on as text: a flash message, a form field's message."""
    return Markup(get_template_attribute("staff/_problems.html", "problem")(problem, mark_warning))
