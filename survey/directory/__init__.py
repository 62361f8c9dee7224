"""Public pages for respondents outside a questionnaire: the offer directory (/offers/) and the
"a counsellor may contact me" form (/contact/). Same audience, look and rules as /s/."""
from flask import Blueprint

bp = Blueprint("directory", __name__, template_folder="templates")

from survey.directory import views  # noqa: E402,F401  (registers the routes)
