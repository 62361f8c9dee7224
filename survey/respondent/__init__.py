"""The respondent blueprint: public survey pages under /s/."""
from flask import Blueprint

bp = Blueprint("respondent", __name__, url_prefix="/s", template_folder="templates")

from survey.respondent import views  # noqa: E402,F401  (registers the routes)
