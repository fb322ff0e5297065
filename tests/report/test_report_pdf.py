"""Acceptance: the weekly PDF read back with pypdf says what the store says, and nothing private."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from report_helpers import (
    GENERATED_AT,
    SECRET_NAME,
    SECRET_PHONE,
    WEEK,
    fmt,
    identities,
    pdf_pages,
    pdf_text,
    sql_count,
    squash,
)

from kondusif import store
from kondusif.report import archive, build
from kondusif.report.week import parse_week
from lubuklinggau_geo import gazetteer


@pytest.fixture
def built(week_engine):
    params = build.make_params(WEEK, "pejabat.kota", generated_at=GENERATED_AT, version=1, max_rows=200)
    return build.build_report(week_engine, params)


def test_all_72_kelurahan_names_appear(built):
    text = squash(pdf_text(built.pdf))
    names = list(gazetteer.kelurahan()["nama"])
    assert len(names) == 72
    missing = [n for n in names if squash(n) not in text]
    assert missing == []


def test_printed_counts_equal_the_stores(week_engine, built):
    wk = parse_week(WEEK)
    prev = wk.previous()
    c = store.incidents.c
    n_week = sql_count(week_engine, wk.start, wk.end)
    n_prev = sql_count(week_engine, prev.start, prev.end)
    n_verified = sql_count(week_engine, wk.start, wk.end, c.status.in_(["diverifikasi", "ditindaklanjuti", "selesai"]))
    n_serious = sql_count(week_engine, wk.start, wk.end, c.severity == "berat",
                          c.status.in_(["diverifikasi", "ditindaklanjuti", "selesai"]))
    assert n_week > 100 and n_prev > 0  # the busiest week really has data
    text = pdf_text(built.pdf)
    assert f"Selama minggu ini masuk {fmt(n_week)} laporan" in text
    assert f"minggu lalu ({fmt(n_prev)} laporan)" in text
    assert f"{fmt(n_verified)} laporan (" in text
    assert f"Laporan berat terverifikasi minggu ini ({fmt(n_serious)})" in text
    # the city total row of the kecamatan summary: its three levels cover the 72 kelurahan (the
    # Rawan/Waspada counts themselves are checked by hand in test_report_levels_by_hand.py)
    city = re.search(r"Kota Lubuklinggau (\d+) (\d+) (\d+) ", text)
    assert city and sum(int(g) for g in city.groups()) == 72
    assert f"{fmt(n_week)} {fmt(n_prev)}" in text
    # per-severity totals of the kelurahan table add up to the store's count
    kel = built.data.kelurahan
    for sev in ("ringan", "sedang", "berat"):
        assert int(kel[sev].sum()) == sql_count(week_engine, wk.start, wk.end, c.severity == sev)
    assert int(kel["total"].sum()) == n_week
    assert int(built.data.daily["total"].sum()) == n_week
    assert int(built.data.categories["n"].sum()) == n_week


def test_overdue_count_matches_the_store(week_engine, built):
    import sqlalchemy as sa

    wk = parse_week(WEEK)
    c = store.incidents.c
    stmt = sa.select(sa.func.count()).select_from(store.incidents).where(
        c.status == "ditindaklanjuti", c.followup_due < wk.end, c.occurred_at < wk.end)
    with week_engine.connect() as conn:
        expected = int(conn.execute(stmt).scalar())
    assert f"Tindak lanjut lewat tenggat ({fmt(expected)})" in pdf_text(built.pdf)


def test_no_reporter_name_or_phone_anywhere(week_engine, built):
    wk = parse_week(WEEK)
    text = pdf_text(built.pdf)
    flat = squash(text)
    people = identities(week_engine, wk.previous().start, wk.end)
    assert (SECRET_NAME, SECRET_PHONE) in people
    assert len(people) > 100
    for name, phone in people:
        if name:
            assert name not in text
        if phone:
            assert phone not in flat
    assert "Pelapor simulasi" not in text
    assert "0800" not in flat.replace("08.00", "")  # no demo phone (times print as 08.00)
    reader = PdfReader(io.BytesIO(built.pdf))
    assert SECRET_NAME not in str(reader.metadata)
    # the user's title is printed as text (emoji without a glyph dropped, markup left as words)
    assert "Warga 🙂 melaporkan pembagian amplop" in text or "Warga melaporkan pembagian amplop" in text
    assert "<b>tebal</b>" not in text  # cut at 160 characters, never a half-broken layout


def test_pdf_is_a4_with_embedded_fonts_page_numbers_and_generation_time(built):
    reader = PdfReader(io.BytesIO(built.pdf))
    pages = pdf_pages(built.pdf)
    n = len(pages)
    assert n >= 7
    for i, (page, text) in enumerate(zip(reader.pages, pages, strict=True), start=1):
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
        assert f"Halaman {i} dari {n}" in text
        assert "Dibuat Senin, 2 Juli 2018 pukul 08.30 WIB oleh pejabat.kota" in text
    fonts = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in desc  # TrueType embedded
            fonts.add(str(font["/BaseFont"]))
    assert any("DejaVu" in f for f in fonts)
    assert reader.metadata.creation_date.replace(tzinfo=None) == GENERATED_AT.replace(tzinfo=None)
    text = " ".join(pages)
    assert "Senin, 25 Juni 2018 – Minggu, 1 Juli 2018" in text


def test_sections_and_notices(built):
    text = pdf_text(built.pdf)
    for heading in ("1. Peta tingkat kondusivitas per kelurahan", "2. Tingkat dan laporan per kelurahan",
                    "3. Tren harian dan kategori", "4. Laporan berat terverifikasi", "5. Tindak lanjut lewat tenggat",
                    "6. Cakupan kabar RT", "7. Catatan metode dan data"):
        assert heading in text
    assert "BERISI DATA SIMULASI" in text
    assert "Data SIMULASI" in text
    assert "daftar CONTOH" in text
    assert "bukan Indeks Kerawanan Pemilu" in text
    lv = built.params.levels
    assert f"Rawan bila skor ≥ {lv.rawan_threshold:g}".replace(".", ",") in text


def test_same_state_and_parameters_give_the_same_bytes(week_engine, built):
    again = build.build_report(week_engine, built.params)
    assert again.pdf == built.pdf
    other = build.build_report(week_engine, build.make_params(WEEK, "pejabat.kota", version=1, max_rows=200))
    assert other.pdf != built.pdf  # another generation time is another document


def test_archived_snapshot_downloads_byte_identical_and_regenerating_adds_a_version(week_engine):
    info1, built1 = build.generate_snapshot(week_engine, WEEK, "pejabat.kota", generated_at=GENERATED_AT)
    assert info1.version == 1 and info1.week == WEEK
    got_info, got = archive.load_snapshot(week_engine, WEEK)
    assert got == built1.pdf and got_info.sha256 == archive.sha256_hex(got)
    assert got_info.params["generated_at"] == GENERATED_AT.isoformat()
    assert got_info.created_by == "pejabat.kota"
    assert "Laporan Mingguan Kondusivitas Wilayah 2018-W26 · versi 1" not in pdf_text(got)  # header format
    # Issue 30.5: the week in words ("Minggu 25 Jun–1 Jul 2018"), never the ISO key a reader trips on.
    assert "Minggu 25 Jun–1 Jul 2018 · versi 1" in pdf_text(got)
    assert "2018-W26" not in pdf_text(got) and "Lewat" not in pdf_text(got)

    info2, built2 = build.generate_snapshot(week_engine, WEEK, "admin")
    assert info2.version == 2
    assert "Minggu 25 Jun–1 Jul 2018 · versi 2" in pdf_text(built2.pdf)
    listed = archive.list_snapshots(week_engine, WEEK)
    assert [s.version for s in listed] == [2, 1]
    # version 1 was not overwritten
    assert archive.load_snapshot(week_engine, WEEK, 1)[1] == built1.pdf
    assert archive.load_snapshot(week_engine, WEEK)[0].version == 2
    # and rebuilding from the recorded parameters reproduces it exactly
    result = build.reproduce(week_engine, WEEK, 1)
    assert result.identical and result.rebuilt_sha256 == info1.sha256


def test_builds_without_boundaries_with_a_note(week_engine, tmp_path, monkeypatch):
    empty_geo, empty_data = tmp_path / "no-geo", tmp_path / "no-data"
    empty_geo.mkdir()
    empty_data.mkdir()
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(empty_geo))
    monkeypatch.setenv("KONDUSIF_DATA_DIR", str(empty_data))
    built = build.build_report(week_engine, build.make_params(WEEK, "admin", generated_at=GENERATED_AT))
    text = pdf_text(built.pdf)
    assert "Peta tidak tersedia" in text
    assert "Batas wilayah belum terpasang" in text
    assert built.context["boundaries"] is False
    flat = squash(text)
    assert all(squash(n) in flat for n in gazetteer.kelurahan()["nama"])


def test_empty_week_builds(engine):
    built = build.build_report(engine, build.make_params("2018-W10", "admin", generated_at=GENERATED_AT))
    text = pdf_text(built.pdf)
    assert "Selama minggu ini masuk 0 laporan" in text
    assert "Tidak ada laporan berat terverifikasi minggu ini." in text
    assert "Tidak ada tindak lanjut yang lewat tenggat." in text
    assert "DATA SIMULASI" not in text
    assert built.data.n_rawan == 0


def test_long_lists_are_cut_with_a_note(week_engine):
    built = build.build_report(week_engine, build.make_params(WEEK, "admin", generated_at=GENERATED_AT,
                                                              max_rows=5))
    assert len(built.data.serious) == 5 and built.data.n_serious > 5
    assert f"Ditampilkan 5 dari {fmt(built.data.n_serious)} laporan" in pdf_text(built.pdf)
