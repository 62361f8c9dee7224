"""Gunicorn's logger without client addresses (named by ``logger_class`` in gunicorn.conf.py).

The access log format in gunicorn.conf.py already leaves out the address, user agent and
referrer. Gunicorn's error log still writes ``Invalid request from ip=...`` for malformed
requests; respondents' addresses are never wanted in any log, so that part is replaced here.
"""
from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_IP_FIELD = re.compile(r"\bip=.*?(?=: |$)")  # up to the ": " before the error text


def redact(message: Any) -> Any:
    """``message`` with any ``ip=<address>`` field replaced; other objects unchanged."""
    if isinstance(message, str):
        return _IP_FIELD.sub("ip=[not logged]", message)
    return message


class PrivacyLogger(Logger):
    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().critical(redact(msg), *args, **kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().error(redact(msg), *args, **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().warning(redact(msg), *args, **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().info(redact(msg), *args, **kwargs)

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().debug(redact(msg), *args, **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().exception(redact(msg), *args, **kwargs)
