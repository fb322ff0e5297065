"""`clean_text` strips what can repaint a terminal or reverse text on screen (issue 27 item 7)."""

from __future__ import annotations

from kondusif.safe import clean_text


def test_escape_sequences_and_other_c0_controls_go():
    assert clean_text("\x1b[2J\x1b[31mRicuh\x1b[0m di RT 03") == "[2J[31mRicuh[0m di RT 03"
    assert clean_text("a\x00b\x07c\x08d\x0be\x0cf\x7fg") == "abcdefg"


def test_tab_and_newline_stay_carriage_return_goes():
    assert clean_text("baris 1\r\nbaris 2\tkolom") == "baris 1\nbaris 2\tkolom"


def test_bidi_overrides_and_isolates_go():
    # "0812" + RLO + "3456" would show reversed digits after the override.
    assert clean_text("0812\u202e3456") == "08123456"
    assert clean_text("\u202a\u202b\u202c\u202dx\u2066\u2067\u2068\u2069") == "x"


def test_ordinary_indonesian_text_and_other_unicode_stay():
    text = "Spanduk dirusak — Kel. Air Kuti, RT 05 (±20 orang) ✓ \u200b"
    assert clean_text(text) == text


def test_non_strings_pass_unchanged():
    assert clean_text(None) is None
    assert clean_text(7) == 7
