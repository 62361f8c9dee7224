"""Writing a benchmark's section of docs/performance.md: the section under ``heading`` is
replaced (up to the next "## " heading), or added at the end."""
from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def write_section(heading: str, lines: list[str], doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    section = heading + "\n\n" + "\n".join(lines) + "\n"
    pattern = re.compile(r"^" + re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    found = pattern.search(text)
    text = pattern.sub(lambda _m: section + "\n", text).rstrip() + "\n" if found else text.rstrip() + "\n\n" + section
    doc.write_text(text, encoding="utf-8")
