"""Problems of imports and offer forms in the staff's language.

The domain modules (survey.table_import, survey.offers.inventory/importing, survey.municipality)
know nothing of Flask: each problem carries an English template from the module's ``MESSAGES``
and its parameters. The same templates are listed here with ``N_`` so that pybabel, which reads
survey/staff/** for the staff catalogue, finds them; tests/test_problem_texts.py keeps both in step.
``problem_text`` translates a problem for a staff page, with the row and column in front.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext

from survey.table_import import MESSAGES as PLACES, RowProblem


def N_(text: str) -> str:
    """Marks a string for extraction into the staff catalogue; translated where it is shown."""
    return text


PROBLEM_MESSAGES = (
    # survey.table_import: the place in front of a message, then problems of any table
    N_("row %(row)s, column %(column)s: %(message)s"),
    N_("row %(row)s: %(message)s"),
    N_("column %(column)s: %(message)s"),
    N_("contains a control character; remove it."),
    N_("is longer than %(maximum)s characters."),
    N_("upload a .csv or .xlsx file."),
    N_("the first row must hold the column names."),
    N_("this column is required but missing."),
    N_("this column appears twice."),
    N_("the table has %(rows)s rows; at most %(maximum)s are accepted at once."),
    N_("the file is not UTF-8 text. In Excel choose 'CSV UTF-8 (comma delimited)' when saving."),
    N_("the CSV cannot be read: %(error)s."),
    N_("the workbook cannot be read; save it again as .xlsx."),
    N_("this row has more cells than there are column names."),
    N_("%(message)s"),
    # survey.offers.inventory: an offer's values (the form, imports, submissions)
    N_("the provider's name is required."),
    N_("the provider's name is longer than %(maximum)s characters."),
    N_("'%(value)s' is not a kind of provider; use one of: %(allowed)s."),
    N_("'%(value)s' is not a status; use one of: %(allowed)s."),
    N_("a German title is required."),
    N_("choose at least one integration field."),
    N_("'%(value)s' is not an integration field of the city; use one of: %(allowed)s."),
    N_("choose at least one district, or mark the offer as city-wide."),
    N_("'%(value)s' is not a district of the city; use one of: %(allowed)s."),
    N_("'%(value)s' is not a district: the city has no districts yet (import them first)."),
    N_("'%(value)s' is not a target group; use one of: %(allowed)s."),
    N_("'%(value)s' is not a target group; use one of: %(allowed)s (did you mean '%(suggestion)s'?)."),
    N_("'%(value)s' is not a language tag; use one of: %(allowed)s."),
    N_("'%(value)s' is a language name; use its tag '%(tag)s'."),
    N_("'%(value)s' is ambiguous: use 'kmr' for Kurmanji (Latin script) or 'ckb' for Sorani (Arabic script), never 'ku'."),
    N_("'%(value)s' is ambiguous: use 'prs' for Dari."),
    N_("'%(value)s' is ambiguous: %(advice)s."),
    N_("'%(value)s' is not a cost; use one of: %(allowed)s."),
    N_("must be yes or no."),
    N_("must be yes, no or empty (unknown)."),
    N_("'%(value)s' is not an e-mail address (name@example.org)."),
    N_("a phone number may hold digits, spaces and + ( ) / - only."),
    N_("the website must be a full address starting with https:// or http://."),
    N_("the date lies in the future."),
    # survey.offers.importing: the offer import
    N_("'%(tag)s' is not a language tag of this product (%(allowed)s)."),
    N_("'%(value)s' is not yes or no."),
    N_("'%(value)s' is not yes, no or empty (unknown)."),
    N_("'%(value)s' is not a date; write 2025-03-31 or 31.03.2025."),
    N_("'%(status)s' cannot be imported; use one of: %(allowed)s."),
    N_("unknown column; see docs/offers.md for the layout."),
    N_("there is no offer with the id '%(id)s'; leave the cell empty to add a new offer."),
    N_("the id %(id)s appears twice (first in row %(first)s)."),
    N_("the same provider and German title appear in row %(first)s already."),
    N_("the table has no offers."),
    # survey.municipality: the district and field imports, questionnaire codes
    N_("%(code)s is not a code: use a-z, 0-9, '_' or '-', starting with a letter, at most 32."),
    N_("'%(code)s' is listed twice (first in row %(first)s)."),
    N_("a district needs a name."),
    N_("the name is longer than 200 characters."),
    N_("%(code)s is not a code."),
    N_("the table has no districts."),
    N_("'%(tag)s' is not a language of this product."),
    N_("every field needs a German label."),
    N_("the table has no fields."),
    N_("'%(parent)s' (parent of '%(code)s') is not a district."),
    N_("'%(field)s' is not one of the city's integration fields (%(known)s)."),
    N_("the answers %(codes)s are not districts of the city; responses choosing them count only in city-wide results."),
    N_("none of the district answers is a district of the city: results per district are empty. Use the codes of the city's districts (Staff area, Districts and fields)."),
)


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
