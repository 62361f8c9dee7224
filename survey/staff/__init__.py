"""The staff workspace under /staff/: accounts, questionnaires, translations, distribution,
exports. Every view declares the roles it needs (``requires``); a view without a declaration
is refused, so a forgotten check fails closed."""
from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

from survey.staff import (  # noqa: E402,F401  (views register themselves on bp)
    auth,
    contacts,
    distribution,
    districts,
    editor,
    exports,
    gaps,
    language_names,
    legal,
    offers,
    preview,
    problem_texts,
    questionnaires,
    results,
    translations,
    users,
)
