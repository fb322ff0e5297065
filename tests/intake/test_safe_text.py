"""Helpers that keep user text inert where it is shown or exported."""

from __future__ import annotations

from intake_helpers import FORMULA

from kondusif.safe import escape_markdown, neutralise_cell


def test_markdown_escape_disarms_links_images_html_and_icons():
    out = escape_markdown('[klik](http://x) ![i](u) <b> :material/home: $x$ `c` *e*')
    for raw in ("[klik]", "](", "![", "<b>", ":material/home:", "$x$", "`c`", "*e*"):
        assert raw not in out
    assert out.replace("\\", "").replace("\u2060", "") == '[klik](http://x) ![i](u) <b> :material/home: $x$ `c` *e*'


def test_formula_cells_neutralised():
    assert neutralise_cell(FORMULA) == "'" + FORMULA
    assert neutralise_cell("+62812") == "'+62812" and neutralise_cell("Air Kuti") == "Air Kuti"
    assert neutralise_cell(-3.2) == -3.2
