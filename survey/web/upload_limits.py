"""How large a request may be. Everywhere MAX_CONTENT_LENGTH (1 MB: a respondent's page posts a
few KB), except for the staff uploads, which take files up to the size their pages name.

The larger limit is set on the request before anything reads the body: the CSRF check reads the
form first, so this hook is registered ahead of it (create_app). A file a little over its limit
reaches the view, which says so on its own page; a body beyond limit and margin is refused
while it is read, with the friendly 413 page. Only POSTs to these endpoints may be larger; the
CSRF check still refuses them unless they come from a staff page, and the views check the role.
"""
from __future__ import annotations

from flask import Flask, request

from survey.questionnaire.formats.translation_sheet import MAX_UPLOAD_BYTES as TRANSLATION_SHEET_LIMIT

MB = 1024 * 1024
# Endpoint -> the largest file its page accepts.
FILE_LIMITS: dict[str, int] = {
    "staff.upload": 5 * MB,  # questionnaire YAML or XLSForm
    "staff.offer_import": 5 * MB,  # offers CSV/XLSX
    "staff.districts_import": 2 * MB,
    "staff.fields_import": 2 * MB,
    "staff.translation_upload": TRANSLATION_SHEET_LIMIT,
}
# The multipart envelope and the other form fields around the file.
MULTIPART_MARGIN = 64 * 1024


def register(app: Flask) -> None:
    app.before_request(_allow_larger_uploads)


def _allow_larger_uploads() -> None:
    limit = FILE_LIMITS.get(request.endpoint or "")
    if limit is not None and request.method == "POST":
        request.max_content_length = limit + MULTIPART_MARGIN
