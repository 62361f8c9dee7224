"""Server-rendered bar charts as SVG documents, written directly (no plotting library: a chart
of a few bars is a few dozen lines of text, written in well under a millisecond; matplotlib took
a tenth of a second per chart and its first import a second).

Charts never carry information that the table under them lacks: a single dark colour with a
hatch, values printed at the bar ends, hidden (suppressed) bars omitted and marked "." where the
value would be, with a note saying what "." means, so they read without colour vision and in
black-and-white print. Only SVG presentation attributes (``fill``, ``font-size``), never a
``style`` attribute or element, so the charts stay within a Content-Security-Policy without
inline styles even when placed in a page. Output is deterministic for the same data, which
keeps it cacheable.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from survey.analysis.thresholds import SUPPRESSED

BAR_COLOUR = "#1f3d7a"  # 10:1 contrast on white
TEXT_COLOUR = "#000000"
FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
WIDTH = 480  # shown at this size on a desktop; a phone scales it down by a quarter at most
ROW = 26  # pixels per bar
BAR = 18  # bar thickness
FONT_SIZE = 13
CHAR_WIDTH = 7.8  # widest average character width at FONT_SIZE seen in Chromium (DejaVu Sans), for the layout
LABEL_LIMIT = 28  # characters of a label shown; the table under the chart has them whole
VALUE_ROOM = 64  # pixels right of the longest bar for its printed value


def _number(value: object) -> float | None:
    if value is None or value == SUPPRESSED:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _short(label: str, limit: int = LABEL_LIMIT) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _format(number: float, percent: bool) -> str:
    return f"{number * 100:.0f} %" if percent else f"{number:,.0f}".replace(",", ".")


def bar_chart_svg(labels: Sequence[str], values: Sequence[object], *, percent: bool = False,
                  axis_label: str = "", suppressed_note: str = "") -> bytes:
    """Horizontal bars, one per label, top to bottom. ``values``: numbers (shares 0..1 when
    ``percent``), or SUPPRESSED / None for a hidden value (no bar, "." where its value would be)."""
    numbers = [_number(v) for v in values]
    shown = [_short(str(label)) for label in labels]
    label_width = min(max((len(text) for text in shown), default=4) * CHAR_WIDTH + 12, WIDTH * 0.5)
    left = round(label_width)
    right = WIDTH - VALUE_ROOM
    top = 8
    hidden = any(n is None for n in numbers)
    rows_height = ROW * max(len(labels), 1)
    axis_y = top + rows_height
    height = axis_y + (28 if axis_label else 8) + (22 if suppressed_note and hidden else 0) + 4
    scale = 100.0 if percent else 1.0
    largest = max((n * scale for n in numbers if n is not None), default=0.0) or 1.0
    per_unit = (right - left) / largest
    font = f'font-family={quoteattr(FONT)} font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}"'
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">',
        '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="{BAR_COLOUR}"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="2"/></pattern></defs>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for index, (label, number) in enumerate(zip(shown, numbers, strict=True)):
        middle = top + index * ROW + ROW / 2
        parts.append(f'<text x="{left - 8}" y="{middle:.1f}" text-anchor="end" dominant-baseline="central" '
                     f'{font}>{escape(label)}</text>')
        if number is None:
            parts.append(f'<text class="suppressed" x="{left + 6}" y="{middle:.1f}" dominant-baseline="central" '
                         f'{font}>{SUPPRESSED}</text>')
            continue
        length = number * scale * per_unit
        parts.append(f'<rect class="bar" x="{left}" y="{middle - BAR / 2:.1f}" width="{length:.1f}" height="{BAR}" '
                     f'fill="url(#hatch)" stroke="{BAR_COLOUR}" stroke-width="1"/>')
        parts.append(f'<text class="value" x="{left + length + 6:.1f}" y="{middle:.1f}" dominant-baseline="central" '
                     f'{font}>{escape(_format(number, percent))}</text>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}" stroke="{TEXT_COLOUR}" stroke-width="1"/>')
    y = axis_y
    if axis_label:
        y += 22
        parts.append(f'<text x="{(left + right) / 2:.1f}" y="{y}" text-anchor="middle" {font}>{escape(axis_label)}</text>')
    if suppressed_note and hidden:
        y += 22
        parts.append(f'<text x="4" y="{y}" font-family={quoteattr(FONT)} font-size="11" fill="{TEXT_COLOUR}">'
                     f'{escape(suppressed_note)}</text>')
    parts.append("</svg>")
    return ("\n".join(parts) + "\n").encode("utf-8")
