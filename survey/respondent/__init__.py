"""The respondent blueprint: public survey pages under /s/."""
from flask import Blueprint, Response

from survey.respondent.script_posts import answer_the_script

bp = Blueprint("respondent", __name__, url_prefix="/s", template_folder="templates")


@bp.after_request
def no_store(response: Response) -> Response:
    """No respondent page is kept by the browser: pages show answers, the resume code or the
    offers someone needed, and after "send" the back button must bring none of them back to the
    next person holding the phone. Browsers also keep no-store pages out of their back/forward
    cache once the session cookie changed, as it does on sending."""
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


bp.after_request(answer_the_script)

from survey.respondent import legal_pages, views  # noqa: E402,F401  (registers the routes)
