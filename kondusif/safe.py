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
