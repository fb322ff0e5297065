"""Making user-written text safe for the places it ends up: HTML and spreadsheets."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells are neutralised for CSV/XLSX export."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


_MARKDOWN_SPECIAL = "\\`*_{}[]<>()#!|~$:"  # links, images, emphasis, code, math, :icons:


def escape_markdown(value: Any) -> str:
    """Text for st.markdown/st.caption/st.error that renders as typed (no links, images, emphasis).

    issue 5: user text inside Streamlit messages, which are markdown.
    """
    text = "" if value is None else str(value)
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)
