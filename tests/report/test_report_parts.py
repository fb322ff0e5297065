"""Parts of the report: text cleaning, the static map, the charts."""

from __future__ import annotations

import pytest

from kondusif.report import charts, static_map
from kondusif.report.pdf import clean_text, fmt_change, fmt_int, fmt_pct
from kondusif.status import Level
from lubuklinggau_geo import gazetteer


def test_clean_text_keeps_words_and_drops_what_cannot_print():
    assert clean_text("Baliho\ndirusak\t di\x00 simpang") == "Baliho dirusak di simpang"
    assert clean_text(None) == "" and clean_text(float("nan")) == ""
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"  # text, never markup
    out = clean_text("Amplop 🧨 di RT 3 \u200b")  # no glyph for the firecracker; zero-width space dropped
    assert out == "Amplop di RT 3"
    assert clean_text("x" * 500, 40) == "x" * 39 + "…"
    assert clean_text("Cafe\u0301") == "Café"  # NFC


def test_number_formats_are_indonesian():
    assert fmt_int(19080) == "19.080"
    assert fmt_pct(0.7083) == "70,8%" and fmt_pct(None) == "-"
    assert (fmt_change(5), fmt_change(0), fmt_change(-1200)) == ("+5", "0", "−1.200")


def _levels(rawan: int) -> dict[str, Level]:
    codes = gazetteer.kelurahan_codes()
    return {k: (Level.RAWAN if i < rawan else Level.KONDUSIF) for i, k in enumerate(codes)}


def test_map_names_few_rawan_and_numbers_many():
    few = static_map.render_level_map(_levels(3), width_mm=60, inset_width_mm=30, dpi=60)
    assert few is not None and few.png.startswith(b"\x89PNG") and not few.numbered and few.key == ()
    many = static_map.render_level_map(_levels(30), width_mm=60, inset_width_mm=30, dpi=60)
    assert many.numbered and len(many.key) == 30
    assert [n for n, _ in many.key] == list(range(1, 31))
    assert many.inset_png is not None and many.size_mm[1] > 0


def test_map_bytes_are_stable():
    a = static_map.render_level_map(_levels(12), width_mm=60, inset_width_mm=30, dpi=60)
    b = static_map.render_level_map(_levels(12), width_mm=60, inset_width_mm=30, dpi=60)
    assert a.png == b.png and a.inset_png == b.inset_png
    assert b"matplotlib" not in a.png  # no version string in the metadata


def test_map_is_none_without_boundaries(tmp_path, monkeypatch):
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(tmp_path))
    monkeypatch.setenv("KONDUSIF_DATA_DIR", str(tmp_path))
    assert static_map.render_level_map(_levels(3)) is None


def test_charts_are_pngs_and_stable():
    import pandas as pd

    from kondusif.report.week import parse_week

    days = parse_week("2018-W26").days
    daily = pd.DataFrame({"day": days, "ringan": [1] * 7, "sedang": [2] * 7, "berat": [0] * 7})
    daily["total"] = 3
    daily["prev_total"] = 1
    a = charts.daily_trend_png(daily, dpi=60)
    assert a == charts.daily_trend_png(daily, dpi=60) and a.startswith(b"\x89PNG")
    cats = pd.DataFrame({"label": ["A", "B"], "n": [0, 0], "prev_n": [0, 0]})
    assert charts.category_png(cats, dpi=60).startswith(b"\x89PNG")  # all zero does not crash


@pytest.mark.parametrize("pages", [1, 2])
def test_preview_renders_first_pages(pages):
    from fpdf import FPDF

    from kondusif.report import preview

    pdf = FPDF()
    for _ in range(3):
        pdf.add_page()
    data = bytes(pdf.output())
    images = preview.page_images(data, pages=pages, scale=0.3)
    assert len(images) == pages and all(i.startswith(b"\x89PNG") for i in images)
    assert preview.page_count(data) == 3
