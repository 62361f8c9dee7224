"""Hostile input: the respondent's texts are cleaned before anything else sees them."""
from __future__ import annotations

from survey.respondent.page_answers import clean_text
from tests.hostile import PAYLOADS


def test_clean_text_strips_nul_and_control_characters_but_keeps_rtl_text():
    assert clean_text("a\x00b\x1bc", multiline=False) == "abc"
    assert clean_text("line\r\nnext\x00", multiline=True) == "line\nnext"
    assert clean_text(PAYLOADS["rtl_override"], multiline=False).startswith("invoice\u202egnp")
