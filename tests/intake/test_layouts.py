"""Recognising KoboToolbox and Ushahidi exports; user mappings remembered by header."""

from __future__ import annotations

import pytest
from intake_helpers import fixture_bytes

from kondusif.intake import layouts
from kondusif.intake.files import read_table


def header(name: str) -> list[str]:
    return read_table(fixture_bytes(name), name).header


def test_kobo_csv_with_groups_uuid_and_split_coordinates():
    m = layouts.detect_mapping(header("kobo.csv"))
    assert m.layout == "kobo" and m.ref_column == "_uuid" and m.ref_prefix == "kobo"
    assert m.fallback_time == "_submission_time" and "_submission_time" in m.utc_columns
    assert m.columns["category"] == "grp_lapor/kategori"
    assert m.columns["lat"] == "_grp_lapor/lokasi_latitude" and m.columns["lon"] == "_grp_lapor/lokasi_longitude"
    assert "location" not in m.columns and m.complete


def test_kobo_xlsx_with_geopoint_and_separate_time():
    m = layouts.detect_mapping(header("kobo.xlsx"))
    assert m.layout == "kobo"
    assert m.columns["location"] == "grp_lapor/lokasi"
    assert m.columns["occurred_at"] == "grp_lapor/tanggal" and m.columns["occurred_time"] == "grp_lapor/jam"


def test_ushahidi_export():
    m = layouts.detect_mapping(header("ushahidi.csv"))
    assert m.layout == "ushahidi" and m.ref_column == "Post ID"
    assert m.columns["title"] == "Title" and m.columns["description"] == "Description"
    assert m.columns["occurred_at"] == "Post date (UTC)" and "Post date (UTC)" in m.utc_columns
    assert m.columns["lat"] == "Location.lat" and m.columns["category"] == "Categories"


def test_plain_headers_by_common_words():
    m = layouts.detect_mapping(header("plain_utf8_comma.csv"))
    assert m.layout == "otomatis" and m.complete
    assert m.columns == {"occurred_at": "Tanggal", "kelurahan": "Kelurahan", "rt": "RT", "category": "Jenis",
                         "severity": "Tingkat", "title": "Judul", "description": "Uraian",
                         "reporter_name": "Nama Pelapor", "reporter_phone": "No HP"}


def test_unknown_headers_need_a_mapping_which_is_remembered(store_engine):
    h = header("unmapped.csv")
    m = layouts.resolve_mapping(store_engine, h)
    assert not m.complete and "kategori" in m.missing()
    user = layouts.ColumnMapping({"occurred_at": "Kapan", "kelurahan": "Dimana", "rt": "No", "category": "Apa",
                                  "severity": "Seberapa", "description": "Cerita"})
    assert layouts.check_mapping(user, h) == []
    layouts.save_mapping(store_engine, h, user, "operator")
    again = layouts.resolve_mapping(store_engine, h)
    assert again.layout == "tersimpan" and again.columns == user.columns
    # another header (one column renamed) does not get it
    assert not layouts.resolve_mapping(store_engine, [*h[:-1], "Kisah"]).complete


def test_bad_mappings_are_explained():
    problems = layouts.check_mapping(layouts.ColumnMapping({"category": "Nope", "title": "A", "description": "A"}),
                                     ["A", "B"])
    assert any("Nope" in p for p in problems) and any("lebih dari satu" in p for p in problems)


def test_target_names_in_indonesian():
    assert layouts.normalise_target("kategori") == "category"
    assert layouts.normalise_target("Judul") == "title"
    with pytest.raises(ValueError, match="tidak dikenal"):
        layouts.normalise_target("warna")


def test_editing_columns_by_hand_decides_the_layout_and_dedupe_key():
    """The import page's column editor: plain functions, no Streamlit (issue 19)."""
    kobo = layouts.ColumnMapping({"category": "kat", "title": "judul"}, layout="kobo", ref_column="_uuid",
                                 ref_prefix="kobo", extra_columns=["catatan", "judul2"])
    same = layouts.edited_mapping(kobo, {"category": "kat", "title": "judul"}, "_uuid")
    assert same.layout == "kobo" and same.ref_prefix == "kobo" and same.extra_columns == ["catatan", "judul2"]
    # a named layout keeps its name; its own ids stay the key while its reference column stays
    more = layouts.edited_mapping(kobo, {"category": "kat", "title": "judul", "description": "catatan"}, "_uuid")
    assert more.layout == "kobo" and more.ref_prefix == "kobo" and more.extra_columns == ["judul2"]
    other_ref = layouts.edited_mapping(kobo, {"category": "kat", "title": "judul"}, "nomor")
    assert other_ref.layout == "kobo" and other_ref.ref_column == "nomor" and other_ref.ref_prefix == "ref"
    # a detected or remembered mapping that was changed becomes "manual" (remembered on import)
    for layout in ("otomatis", "tersimpan"):
        base = layouts.ColumnMapping({"category": "Jenis"}, layout=layout)
        assert layouts.edited_mapping(base, {"category": "Jenis"}, None).layout == layout
        edited = layouts.edited_mapping(base, {"category": "Jenis", "title": "Judul"}, None)
        assert edited.layout == "manual" and edited.ref_prefix == "ref"
    assert kobo.columns == {"category": "kat", "title": "judul"}  # the base is left as it was
