"""Making user-written text safe for the places it ends up: HTML, Markdown, spreadsheets, terminals.

`escape_markdown` is the one Markdown escaper of the app (issues 11, 19): every page
and widget passes user-written text through it before Streamlit renders Markdown.
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# C0 controls except tab (0x09) and newline (0x0A), plus DEL, and the bidi embedding /
# override / isolate characters (U+202A-U+202E, U+2066-U+2069): an ESC sequence repaints a
# terminal or the wall, a U+202E turns "0812..." around on screen (issue 27 item 7).
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: Any) -> Any:
    """`value` with control characters and bidi overrides removed; non-strings pass unchanged.

    Applied once where text enters the app (form, import validate step, SMS, account
    names, notes, review actions, admin fields), so nothing stored can repaint a terminal
    or reverse what a reader sees. CR is dropped too: CRLF becomes LF.
    """
    if not isinstance(value, str):
        return value
    return _CONTROL_CHARS.sub("", value)


def escape_html(value: Any) -> str:
    """HTML-escape any value (None -> empty string) for popups, tooltips and markdown HTML."""
    return "" if value is None else html.escape(str(value), quote=True)


def neutralise_cell(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Numbers stay numbers (a negative count is not a formula); only strings that
    begin with =, +, -, @, tab or CR are changed, so the text stays readable.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# CommonMark lets every ASCII punctuation character be backslash-escaped, and an escaped
# one always renders as itself: escaping all of them leaves no link, image, emphasis,
# code, HTML, math ($), :material/icon: or :colour[...] directive, list, heading or
# table in the text.
MARKDOWN_SPECIAL = frozenset(string.punctuation)
# GFM turns bare URLs, "www." names and e-mail addresses into links *after* escapes are
# resolved (seen in Chromium: "http\\:\\/\\/..." still became a link), so a word joiner
# (U+2060, invisible) goes where the autolink patterns need two characters side by side.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www)(?=[:.])|(?=@)")


def escape_markdown(value: Any) -> str:
    """User-written text for st.markdown/caption/error/..., shown exactly as typed and inert.

    Whitespace runs (line breaks included) become one space, so the text can open no
    block (list, heading, quote, table) wherever it is placed in a Markdown string.
    Only for Markdown: st.text, dataframes and widget options show text as is.
    """
    flat = _AUTOLINK.sub(lambda m: (m.group(1) or "") + WORD_JOINER,
                         " ".join(("" if value is None else str(value)).split()))
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in flat)

