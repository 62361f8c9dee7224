"""Server-rendered bar charts as SVG (matplotlib, Agg/SVG backend, no pyplot: thread-safe).

Charts never carry information that the table under them lacks: single dark colour with a
hatch, values printed at the bar ends, hidden (suppressed) bars omitted and marked "." on the
axis, so they read without colour vision and in black-and-white print. Output is deterministic
for the same data (no date, fixed hash salt), which keeps it cacheable.
"""
from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

from survey.analysis.suppression import SUPPRESSED

matplotlib.rcParams["svg.hashsalt"] = "survey"
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable, selectable
BAR_COLOUR = "#1f3d7a"  # 10:1 contrast on white


def _number(value: object) -> float | None:
    if value is None or value == SUPPRESSED:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _short(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart_svg(labels: Sequence[str], values: Sequence[object], *, percent: bool = False,
                  axis_label: str = "", suppressed_note: str = "") -> bytes:
    """Horizontal bars, one per label, top to bottom. ``values``: numbers (shares 0..1 when
    ``percent``), or SUPPRESSED / None for a hidden value (no bar, "." at the axis)."""
    numbers = [_number(v) for v in values]
    height = 0.9 + 0.38 * max(len(labels), 1)
    figure = Figure(figsize=(7.0, height), dpi=72)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    shown = [(p, n) for p, n in zip(positions, numbers, strict=True) if n is not None]
    scale = 100.0 if percent else 1.0
    if shown:
        axes.barh([p for p, _ in shown], [n * scale for _, n in shown], color=BAR_COLOUR, hatch="//",
                  edgecolor="white", height=0.7)
    top = max([n * scale for _, n in shown], default=1.0) or 1.0
    for position, number in zip(positions, numbers, strict=True):
        if number is None:
            text = SUPPRESSED
            x = 0.0
        else:
            text = f"{number * 100:.0f} %" if percent else f"{number:,.0f}".replace(",", ".")
            x = number * scale
        axes.text(x + top * 0.01, position, text, va="center", ha="left", fontsize=10, color="black")
    axes.set_yticks(positions, [_short(label) for label in labels], fontsize=10)
    axes.set_xlim(0, top * 1.15)
    if axis_label:
        axes.set_xlabel(axis_label, fontsize=10)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if suppressed_note and any(n is None for n in numbers):
        figure.text(0.01, 0.01, suppressed_note, fontsize=8, ha="left", va="bottom")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()
