"""Public links and QR codes of a questionnaire (segno). No Flask here."""
from __future__ import annotations

import io
from urllib.parse import urlencode

import segno

# The light margin a reader needs around the symbol, in modules (ISO/IEC 18004).
QUIET_ZONE = 4


def public_link(base_url: str, slug: str, channel: str | None = None, language: str | None = None) -> str:
    query = {key: value for key, value in (("lang", language), ("c", channel)) if value}
    link = f"{base_url.rstrip('/')}/s/{slug}/"
    return f"{link}?{urlencode(query)}" if query else link


def qr_svg(link: str, scale: int = 6, title: str | None = None) -> str:
    """The QR code as SVG: error correction "M" survives a folded or slightly dirty flyer; a quiet
    zone of 4 modules, painted white, so the code keeps its margin on a coloured background. The
    viewBox lets it be drawn at any size (a flyer's 60 mm) whole; width and height give its size
    where nothing else does (``scale`` pixels per module)."""
    buffer = io.BytesIO()
    code = segno.make(link, error="m", micro=False)
    code.save(buffer, kind="svg", scale=scale, border=QUIET_ZONE, omitsize=True, light="#fff", xmldecl=False,
              svgns=True, title=title, svgclass="qr", lineclass=None)
    size = code.symbol_size(scale=scale, border=QUIET_ZONE)[0]
    svg = buffer.getvalue().decode("utf-8")
    assert svg.startswith("<svg ") and 'viewBox="' in svg
    return svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)


def qr_png(link: str, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()
