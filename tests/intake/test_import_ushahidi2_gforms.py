"""Issue 17: Ushahidi 2.x and Google Forms exports, place names in location columns, one phone form.

The files are built here, row by row, in the layouts those tools really export.
Expected values are written by hand from the rows (kelurahan names, WIB times).
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import sqlalchemy as sa
from intake_helpers import ADMIN, PANWASLU

from kondusif import store
from kondusif.intake import layouts, pipeline, vocab
from kondusif.model import Role, Viewer
from kondusif.timeutil import format_wib
from lubuklinggau_geo import gazetteer

PEJABAT = Viewer("pejabat", Role.PEJABAT, "Pejabat")

USHAHIDI2_HEADER = ["#", "INCIDENT TITLE", "INCIDENT DATE", "LOCATION", "DESCRIPTION", "CATEGORY", "LATITUDE",
                    "LONGITUDE", "Nomor TPS", "Saksi", "FIRST NAME", "LAST NAME", "EMAIL", "APPROVED", "VERIFIED"]
USHAHIDI2_ROWS = [
    # 2: "Kel." + kecamatan, two categories with a trailing comma, verified
    ["11", "Amplop dibagikan", "2018-06-20 08:15:00", "Kel. Air Kuti, Lubuklinggau Timur I",
     "Warga menerima amplop Rp50rb", "Politik Uang, Intimidasi, ", "", "", "TPS 05", "Bu Ani",
     "Rahman", "Hakim", "rahman@contoh.invalid", "YES", "YES"],
    # 3: a bare kelurahan name, approved but not verified
    ["12", "Baliho dirobek", "2018-06-21 19:40:00", "Majapahit", "Baliho paslon dirobek orang tak dikenal",
     "Perusakan APK, ", "", "", "", "", "", "", "", "YES", "NO"],
    # 4: a kecamatan name only, but a point inside Taba Lestari: located by the point; not approved
    ["13", "Warga diancam", "2018-06-22 07:05:00", "Lubuklinggau Timur I", "Pemilih diancam",
     "Intimidasi, ", "-3.290871", "102.908569", "", "", "Sari", "", "", "NO", "NO"],
    # 5: the city name only, no coordinates: refused, saying exactly that
    ["14", "Kampanye di masjid", "2018-06-23 09:00:00", "Lubuklinggau", "Ceramah berisi ajakan memilih",
     "Kampanye di Luar Jadwal, ", "", "", "", "", "", "", "", "YES", "NO"],
    # 6: coordinates outside the city (Palembang): refused
    ["15", "Keributan", "2018-06-23 10:00:00", "Lubuklinggau", "Ribut", "Bentrokan, ", "-2.99", "104.75",
     "", "", "", "", "", "YES", "NO"],
    # 7: "Kelurahan ..." written out, an unrecognised category first in the list
    ["16", "Pesan berantai", "2018-06-24 20:30:00", "Kelurahan Taba Jemekeh", "Hoaks tentang paslon",
     "Cuaca, Kampanye Hitam, ", "", "", "", "", "", "", "", "NO", "YES"],
    # 8: no category it knows at all: refused
    ["17", "Lain hal", "2018-06-24 21:00:00", "Majapahit", "x", "Cuaca, ", "", "", "", "", "", "", "", "YES", "NO"],
]

GFORMS_ID_HEADER = ["Stempel waktu", "Nama pelapor", "Nomor HP", "Kelurahan", "RT", "Jenis kejadian",
                    "Tanggal kejadian", "Jam kejadian", "Ceritakan kejadiannya", "Ada saksi?"]
GFORMS_ID_ROWS = [
    # 2: dd/mm dates with single-digit hours; the incident date is the incident time, not the timestamp
    ["20/06/2018 8:15:42", "Pak Rahman", "0812-3456-7890", "Air Kuti", "3", "Politik uang", "20/06/2018",
     "7:30", "Tadi pagi ada orang membagikan amplop berisi uang di depan warung.", "Ya"],
    # 3: RT 11 is not in the sample registry (RT 1-8): accepted with a visible flag (issue 12 item 13)
    ["21/06/2018 9:02:10", "Bu Sari", "62 812 3456 7891", "Jogoboyo", "11", "Intimidasi", "21/06/2018",
     "8:05", "Seorang warga diancam agar memilih calon tertentu oleh orang tak dikenal.", "Tidak"],
    # 4: no kelurahan: refused
    ["22/06/2018 10:00:00", "Pak Budi", "+62 812-3456-7892", "", "2", "Perusakan APK", "22/06/2018",
     "9:00", "Spanduk salah satu pasangan calon disobek oleh sekelompok pemuda.", ""],
]

GFORMS_EN_HEADER = ["Timestamp", "Kelurahan", "RT", "Jenis kejadian", "Ceritakan kejadiannya", "Nomor HP"]
GFORMS_EN_ROWS = [
    # no incident date column: the timestamp is the incident time (with a note)
    ["23/06/2018 7:45:00", "Kel. Taba Lestari", "4", "Kampanye hitam",
     "Beredar selebaran fitnah tentang salah satu calon di pasar pagi ini.", "081234567893"],
    ["23/06/2018 21:05:30", "Majapahit", "2", "Bentrokan",
     "Dua kelompok pendukung saling dorong di depan posko, polisi datang melerai.", "+6281234567894"],
]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(header)
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def stored(engine) -> pd.DataFrame:
    c = store.incidents.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.source_ref, c.kode_kelurahan, c.rt, c.category, c.severity, c.status,
                                      c.title, c.description, c.occurred_at, c.reported_at, c.reporter_name,
                                      c.reporter_phone).order_by(c.occurred_at)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows])


def kel(name: str) -> str:
    return gazetteer.kelurahan().set_index("nama").loc[name, "kode"]


# --------------------------------------------------------------------------- Ushahidi 2.x


def test_ushahidi2_layout_is_recognised():
    m = layouts.detect_mapping(USHAHIDI2_HEADER, USHAHIDI2_ROWS)
    assert m.layout == "ushahidi2"
    assert layouts.LAYOUT_NAMES[m.layout] == "Ushahidi 2.x"
    assert m.ref_column == "#"
    assert {t: m.columns.get(t) for t in ("title", "occurred_at", "location", "description", "category",
                                          "lat", "lon")} == {
        "title": "INCIDENT TITLE", "occurred_at": "INCIDENT DATE", "location": "LOCATION",
        "description": "DESCRIPTION", "category": "CATEGORY", "lat": "LATITUDE", "lon": "LONGITUDE"}
    assert m.extra_columns == ["Nomor TPS", "Saksi"]
    assert m.complete


def test_ushahidi2_every_good_row_lands_right_and_reimport_adds_nothing(store_engine):
    data = csv_bytes(USHAHIDI2_HEADER, USHAHIDI2_ROWS)
    p = pipeline.preview_file(store_engine, data, "uchaguzi.csv", PANWASLU)
    assert p.ready, p.problems
    assert p.mapping.layout == "ushahidi2"
    reasons = {r.row: [str(e) for e in r.errors] for r in p.results if r.status == "ditolak"}
    assert reasons == {
        5: ["Lokasi: “Lubuklinggau” tidak menyebut kelurahan yang dikenal dan lintang/bujur tidak diisi; "
            "tulis nama kelurahan atau isi koordinat"],
        6: ["Lokasi: titik berada di luar Kota Lubuklinggau dan kelurahan tidak diisi"],
        8: ["Kategori: “Cuaca,” tidak dikenal; pilih salah satu: " + vocab.category_options_text()],
    }
    result = pipeline.commit_file(store_engine, p, PANWASLU)
    assert (result.rows_in, result.imported, result.rejected, result.existing) == (7, 4, 3, 0)
    df = stored(store_engine)
    got = [(r.source_ref, gazetteer.kelurahan_name(r.kode_kelurahan), r.rt, r.category, r.severity, r.status,
            format_wib(r.occurred_at)) for r in df.itertuples()]
    assert got == [
        ("ushahidi2:11", "Air Kuti", None, "politik_uang", "sedang", "diverifikasi", "20/06/2018 08:15 WIB"),
        ("ushahidi2:12", "Majapahit", None, "perusakan_apk", "sedang", "baru", "21/06/2018 19:40 WIB"),
        ("ushahidi2:13", "Taba Lestari", None, "intimidasi", "sedang", "baru", "22/06/2018 07:05 WIB"),
        ("ushahidi2:16", "Taba Jemekeh", None, "kampanye_hitam", "sedang", "baru", "24/06/2018 20:30 WIB"),
    ]
    first = df.iloc[0]
    assert first["title"] == "Amplop dibagikan"
    # the other category and the custom form fields are kept in the description's tail, not dropped
    assert first["description"] == ("Warga menerima amplop Rp50rb\n\nKategori lain: Intimidasi/ancaman\n"
                                    "Nomor TPS: TPS 05\nSaksi: Bu Ani")
    # identity goes to the private reporter field, never into the description
    assert first["reporter_name"] == "Rahman Hakim (rahman@contoh.invalid)"
    assert "rahman" not in first["description"].lower()
    assert df.iloc[2]["reporter_name"] == "Sari"

    again = pipeline.preview_file(store_engine, data, "uchaguzi.csv", PANWASLU)
    assert (again.good, again.existing, again.rejected) == (0, 4, 3)
    pipeline.commit_file(store_engine, again, PANWASLU)
    assert len(stored(store_engine)) == 4


def test_ushahidi2_identity_only_for_roles_that_see_it(store_engine):
    from kondusif import exports

    p = pipeline.preview_file(store_engine, csv_bytes(USHAHIDI2_HEADER, USHAHIDI2_ROWS[:1]), "u.csv", ADMIN)
    pipeline.commit_file(store_engine, p, ADMIN)
    assert exports.export_frame(store_engine, None, ADMIN)["nama_pelapor"].tolist() == [
        "Rahman Hakim (rahman@contoh.invalid)"]
    public = exports.export_frame(store_engine, None, PEJABAT)
    assert "nama_pelapor" not in public.columns
    assert not public.astype(str).apply(lambda s: s.str.contains("rahman@", case=False)).any().any()


# --------------------------------------------------------------------------- location judged by values


def test_location_column_judged_by_its_values_under_any_header(store_engine):
    header = ["Waktu", "Titik", "Kategori", "Judul", "RT"]
    rows = [["20/06/2018 14:00", "-3.281897 102.914755", "politik uang", "A", "1"],  # a point
            ["20/06/2018 14:05", "-3.290871,102.908569", "politik uang", "B", "1"],  # lat,lon
            ["20/06/2018 14:10", "-3.281897 102.914755 0 5", "politik uang", "C", "1"],  # Kobo geopoint
            ["20/06/2018 14:15", "Kel. Majapahit", "politik uang", "D", "1"],  # a place text
            ["20/06/2018 14:20", "-3.28 abc", "politik uang", "E", "1"]]  # neither
    p = pipeline.preview_file(store_engine, csv_bytes(header, rows), "t.csv", PANWASLU)
    good = {r.record["title"]: gazetteer.kelurahan_name(r.record["kode_kelurahan"])
            for r in p.results if r.status == "baik"}
    assert good == {"A": "Air Kuti", "B": "Taba Lestari", "C": "Air Kuti", "D": "Majapahit"}
    assert [r.row for r in p.results if r.status == "ditolak"] == [6]


# --------------------------------------------------------------------------- Google Forms


def test_google_forms_indonesian_header_imports_without_manual_mapping(store_engine):
    data = csv_bytes(GFORMS_ID_HEADER, GFORMS_ID_ROWS)
    m = layouts.detect_mapping(GFORMS_ID_HEADER, GFORMS_ID_ROWS)
    assert (m.layout, layouts.LAYOUT_NAMES[m.layout]) == ("gforms", "Google Forms")
    assert "description" not in m.columns and m.proposed == {"description": "Ceritakan kejadiannya"}
    assert m.missing() == ["judul atau uraian"]
    assert m.with_proposals().complete
    p = pipeline.preview_file(store_engine, data, "Laporan RT (Jawaban).csv", PANWASLU)
    assert p.ready, p.problems
    assert {r.row: [str(e) for e in r.errors] for r in p.results if r.status == "ditolak"} == {
        4: ["Kelurahan: wajib diisi (atau isi titik lokasi di dalam kota)"]}
    pipeline.commit_file(store_engine, p, PANWASLU)
    df = stored(store_engine)
    got = [(gazetteer.kelurahan_name(r.kode_kelurahan), r.rt, r.category, r.severity, r.status,
            format_wib(r.occurred_at), format_wib(r.reported_at), r.reporter_phone) for r in df.itertuples()]
    assert got == [
        ("Air Kuti", 3, "politik_uang", "sedang", "baru", "20/06/2018 07:30 WIB", "20/06/2018 08:15 WIB",
         "+6281234567890"),
        ("Jogoboyo", 11, "intimidasi", "sedang", "baru", "21/06/2018 08:05 WIB", "21/06/2018 09:02 WIB",
         "+6281234567891"),
    ]
    assert df.iloc[0]["title"] == "Tadi pagi ada orang membagikan amplop berisi uang di depan warung."
    assert df.iloc[0]["description"].endswith("\n\nAda saksi?: Ya")
    assert pipeline.preview_file(store_engine, data, "x.csv", PANWASLU).existing == 2


def test_google_forms_english_header_timestamp_is_the_time_when_no_date_column(store_engine):
    data = csv_bytes(GFORMS_EN_HEADER, GFORMS_EN_ROWS)
    p = pipeline.preview_file(store_engine, data, "Form Responses 1.csv", PANWASLU)
    assert p.mapping.layout == "gforms" and p.ready, p.problems
    assert p.good == 2
    pipeline.commit_file(store_engine, p, PANWASLU)
    df = stored(store_engine)
    assert [(gazetteer.kelurahan_name(r.kode_kelurahan), r.rt, r.category, format_wib(r.occurred_at),
             format_wib(r.reported_at), r.reporter_phone) for r in df.itertuples()] == [
        ("Taba Lestari", 4, "kampanye_hitam", "23/06/2018 07:45 WIB", "23/06/2018 07:45 WIB", "+6281234567893"),
        ("Majapahit", 2, "bentrokan", "23/06/2018 21:05 WIB", "23/06/2018 21:05 WIB", "+6281234567894"),
    ]
    again = pipeline.preview_file(store_engine, data, "Form Responses 1.csv", PANWASLU)
    assert (again.good, again.existing) == (0, 2)


def test_longest_free_text_is_proposed_for_any_sheet_without_a_text_column():
    header = ["Kelurahan", "RT", "Kategori", "Tanggal", "Catatan singkat", "Apa yang terjadi"]
    rows = [["Air Kuti", "1", "uang", "20/06/2018 8:00", "ok", "Amplop dibagikan di depan masjid oleh tim sukses"],
            ["Majapahit", "2", "uang", "20/06/2018 9:00", "cek", "Warga diberi sembako dengan stiker calon"]]
    m = layouts.detect_mapping(header, rows)
    assert m.proposed == {"description": "Apa yang terjadi"}
    assert layouts.detect_mapping(header).proposed == {}  # no rows, no proposal


def test_kecamatan_named_in_the_place_is_a_hint_checked_against_the_point(store_engine):
    header = ["Waktu", "Lokasi", "Lintang", "Bujur", "Kategori", "Judul"]
    rows = [["20/06/2018 14:00", "Lubuklinggau Timur I", "-3.266909", "102.851665", "politik uang", "Titik di Jogoboyo"]]
    p = pipeline.preview_file(store_engine, csv_bytes(header, rows), "t.csv", PANWASLU)
    (r,) = p.results
    assert r.status == "baik" and gazetteer.kelurahan_name(r.record["kode_kelurahan"]) == "Jogoboyo"
    assert [str(w) for w in r.warnings if w.field in ("kelurahan", "location")] == [
        "Kelurahan: lokasi “Lubuklinggau Timur I” tidak menyebut kelurahan; diisi dari titik lokasi: Jogoboyo",
        "Lokasi: titik lokasi di luar Kecamatan Lubuk Linggau Timur I yang disebut; mohon diperiksa"]
