"""Redirect targets that come from a form or a query string: a path of our own site below an
expected prefix, or nothing. Never another site (``//host``, ``/\\host``), never a header
injection (a line break or any other control character makes Werkzeug refuse the header)."""
from __future__ import annotations


def local_path(target: str | None, prefix: str) -> str | None:
    """``target`` when it is a plain path starting with ``prefix`` (e.g. "/staff/"), else None."""
    if not target or not target.startswith(prefix) or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    return target
