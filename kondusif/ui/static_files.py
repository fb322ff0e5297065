"""Style sheets the screens send, kept as files in kondusif/ui/assets/ and read once per process.

Python strings hold no CSS/JS/HTML program (tests/test_assets_in_files.py): a screen asks
for `style("wall.css")` and sends the result with st.html.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"


@cache
def text(name: str) -> str:
    """The file `name` of kondusif/ui/assets/, read once."""
    return (ASSETS / name).read_text(encoding="utf-8")


def style(name: str) -> str:
    """A style sheet of kondusif/ui/assets/ as one <style> element for st.html."""
    return "<style>\n" + text(name) + "</style>"
