"""The development server's request log (``survey run``) without client addresses.

Werkzeug writes every line as ``<client address> - - [date] "GET /path HTTP/1.1" 200 -``, error
lines included. Respondents' addresses are never logged, so the address field is replaced
before the line reaches any handler. (Production serving uses gunicorn, whose access log format
leaves the address out; see gunicorn.conf.py.)
"""
from __future__ import annotations

import logging
import re

_ADDRESS_PREFIX = re.compile(r"^\S* - - \[")  # empty: survey.web.clients took it out already
NO_ADDRESS = "-"


class WithoutClientAddress(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _ADDRESS_PREFIX.sub(f"{NO_ADDRESS} - - [", record.msg, count=1)
        return True


def install() -> None:
    """Attach the filter to Werkzeug's logger once (the app factory may run several times)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, WithoutClientAddress) for existing in logger.filters):
        logger.addFilter(WithoutClientAddress())
