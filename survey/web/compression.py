"""HTML compressed per response, error pages included.

Flask-Compress leaves every status outside 2xx uncompressed, but a page with a question to correct
(422), a busy page (429, 503) or a page that is not there (404) is a whole page that a phone on
prepaid data downloads: 10-12 KB instead of about 3 KB.
"""
from __future__ import annotations

from flask import Response
from flask_compress import Compress


class Compression(Compress):
    def after_request(self, response: Response | None) -> Response:
        if response is None or not 400 <= response.status_code < 600:
            return super().after_request(response)
        status = response.status_code
        response.status_code = 200  # only for Flask-Compress's status check
        try:
            return super().after_request(response)
        finally:
            response.status_code = status
