"""Answers to the forms that survey.js sends itself (a lost connection never loses a page).

The script posts a page with ``X-Survey-Script: 1`` so that a failed request leaves the
respondent on her page. It must tell our answer from a proxy's error page, and it must learn where
a redirect goes without following it (following it would cost a second download on a slow
connection and lose the address): so every answer to such a post is marked, and a redirect
becomes an empty 200 naming its target. Without the header nothing changes.
"""
from __future__ import annotations

from flask import Response, request

SCRIPT_HEADER = "X-Survey-Script"
ANSWERED_HEADER = "X-Survey-Answered"
LOCATION_HEADER = "X-Survey-Location"


def answer_the_script(response: Response) -> Response:
    if request.method != "POST" or request.headers.get(SCRIPT_HEADER) != "1":
        return response
    response.headers[ANSWERED_HEADER] = "1"
    if response.status_code in (301, 302, 303, 307, 308) and response.location:
        response.headers[LOCATION_HEADER] = response.location
        del response.headers["Location"]
        response.status_code = 200
        response.set_data(b"")
    return response
