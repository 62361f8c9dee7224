"""Public links and QR codes of a questionnaire (segno). No Flask here."""
from __future__ import annotations

import io
from urllib.parse import urlencode

import segno


def public_link(base_url: str, slug: str, channel: str | None = None, language: str | None = None) -> str:
    query = {key: value for key, value in (("lang", language), ("c", channel)) if value}
    link = f"{base_url.rstrip('/')}/s/{slug}/"
    return f"{link}?{urlencode(query)}" if query else link


def qr_svg(link: str, scale: int = 6, title: str | None = None) -> str:
    # Error correction "M" survives a folded or slightly dirty flyer; a quiet zone of 4 modules.
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, title=title, svgclass="qr", lineclass=None
    )
    return buffer.getvalue().decode("utf-8")


def qr_png(link: str, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
