"""Every hostile payload (tests/hostile.py) in a translation file, .xlsx sheet and .po file, through
the reading and merging behind /staff/q/<slug>/translations: a questionnaire text and an interface
text each take the payload as written, or the file or the row is refused with its own problem.
tests/web/test_hostile_imports.py uploads files holding every payload through the form.
"""
from __future__ import annotations

import functools

import pytest

from survey.questionnaire.formats.translation_sheet import (
    SheetError,
    SheetInfo,
    SheetRow,
    check_target,
    merge_upload,
    read_upload,
    sheet_rows,
    write_po,
    write_xlsx,
)
from survey.store.ui_overrides import ui_texts
from tests.conftest import DATA, ROOT, bundled_questionnaires, with_sample_districts
from tests.hostile import HTML_PAYLOADS, PAYLOADS, fill_po, fill_sheet, xlsx_safe

NEEDS = with_sample_districts(next(loaded.questionnaire for loaded in bundled_questionnaires()
                                   if loaded.questionnaire.slug == "needs-assessment"))
UI_KEY = "ui:Your privacy"  # an interface text on the respondent's intro page
KEYS = ("title", UI_KEY)


@functools.cache
def blank_file(kind: str) -> tuple[list[SheetRow], bytes]:
    """The Arabic file as downloaded (made once: writing it is most of the work)."""
    rows = sheet_rows(NEEDS, "ar", ui=ui_texts(ROOT / "translations", DATA / "no-overrides", "ar"))
    info = SheetInfo(NEEDS.slug, 1, "ar", NEEDS.default_language)
    return rows, write_xlsx(info, rows) if kind == "xlsx" else write_po(info, rows)


def cleaned(text: str) -> str:
    """A translation as the reader keeps it: line breaks unified, outer space off."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@pytest.mark.parametrize("kind", ["xlsx", "po"])
@pytest.mark.parametrize("name", list(PAYLOADS))
def test_translation_files_take_every_payload(name, kind):
    payload = PAYLOADS[name] if kind == "po" else xlsx_safe(PAYLOADS[name])  # a sheet cannot hold control characters
    rows, blank = blank_file(kind)
    assert {row.key for row in rows} >= set(KEYS)
    raw = (fill_sheet if kind == "xlsx" else fill_po)(blank, dict.fromkeys(KEYS, payload))
    try:
        uploaded = read_upload(raw, f"ar.{kind}")
    except SheetError as error:
        assert "\x00" in payload and str(error)  # a .po file with NUL is no text file: refused whole
        return
    check_target(uploaded, NEEDS, "ar")
    merge = merge_upload(uploaded, NEEDS, rows, 1)
    refused = {problem.where.key: problem.message for problem in merge.problems}
    assert set(refused) <= set(KEYS) and all(refused.values()), refused
    for key in KEYS:
        taken = merge.ui_changes.get(key) if key == UI_KEY else merge.translations.get(key)
        if key in refused:
            assert taken is None
        else:
            assert taken == cleaned(payload) or not cleaned(payload), (key, taken)
    # Markup in an interface text would be part of every page (it is never escaped); a 4000
    # character limit holds for every text.
    if name in HTML_PAYLOADS:
        assert UI_KEY in refused and "title" not in refused
    if name == "long":
        assert set(refused) == set(KEYS)
