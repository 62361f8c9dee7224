"""Give every catalogue the plural rule of CLDR, as Babel knows it, and move its translations to
the forms of that rule (`make update-messages` runs this; run it after `pybabel init` too).

pybabel writes Plural-Forms from an older table of its own, which disagrees with CLDR for several
of our languages: Arabic said "many" for 100 and "other" for 11, Persian and Turkish had a single
form, Russian and Ukrainian lacked the form for fractions, French the one for millions. The rule is
written for whole numbers (no exponent), which is all the interface counts.

A form the old rule had is kept for the numbers it served; a form the new rule adds takes the text
of the numbers that now fall into it (fractions, which no whole number reaches, take the form of
2: in Russian and Ukrainian a fraction takes the genitive singular, like 2-4).
"""
from __future__ import annotations

import gettext
import re
import sys
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po, write_po
from babel.plural import PluralRule, to_gettext

FOLDER = Path(__file__).resolve().parent
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
# 1 and 2 first: a form the new rule adds for 0 as well as 1 (Tigrinya) keeps the text of 1.
SAMPLES = [1, 2, 0, *range(3, 1001), 10_000, 100_000, 1_000_000, 2_000_000, 10_000_000]


def cldr_rule(locale: str) -> PluralRule:
    return Locale.parse(locale).plural_form


def categories(rule: PluralRule) -> list[str]:
    """The rule's categories in gettext's order (CLDR's canonical order; "other" always last)."""
    return [tag for tag in CATEGORIES if tag in rule.tags or tag == "other"]


def plural_forms(locale: str) -> str:
    """The Plural-Forms header of CLDR's rule, for whole numbers (the exponent ``e`` is 0)."""
    return re.sub(r"\be\b", "0", to_gettext(cldr_rule(locale)))


def _expression(header: str) -> str:
    return header.split("plural=", 1)[1].strip().rstrip(";")


def convert(path: Path) -> bool:
    """Rewrite one catalogue to CLDR's rule; True when it changed."""
    with open(path, "rb") as handle:
        catalogue = read_po(handle)
    locale = path.parent.parent.name
    new_header = plural_forms(locale)
    old_header = catalogue.plural_forms
    if old_header.replace(" ", "") == new_header.replace(" ", ""):
        return False
    old_rule = gettext.c2py(_expression(old_header))
    rule = cldr_rule(locale)
    new_categories = categories(rule)
    # For each new form: the old form of the first whole number that falls into it.
    source: list[int] = []
    for category in new_categories:
        number = next((n for n in SAMPLES if rule(n) == category), 2)
        source.append(old_rule(number))
    for message in catalogue:
        if not message.id or not isinstance(message.id, (tuple, list)):
            continue
        old = list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]
        message.string = tuple(old[index] if index < len(old) else old[-1] for index in source)
    catalogue._num_plurals = len(new_categories)
    catalogue._plural_expr = _expression(new_header)
    with open(path, "wb") as handle:
        write_po(handle, catalogue, sort_output=True, no_location=True, width=76)
    return True


def main(paths: list[str]) -> None:
    targets = [Path(p) for p in paths] or sorted(FOLDER.glob("*/LC_MESSAGES/*.po"))
    for path in targets:
        if convert(path):
            print(f"{path}: plural forms of CLDR ({plural_forms(path.parent.parent.name)})")


if __name__ == "__main__":
    main(sys.argv[1:])
