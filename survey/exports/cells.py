"""Cell values that are safe to open in a spreadsheet."""
from __future__ import annotations

from typing import Any

# A cell starting with one of these is run as a formula by Excel or LibreOffice
# (CSV injection, cf. LimeSurvey CVE-2019-16184).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralize(value: Any) -> Any:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
