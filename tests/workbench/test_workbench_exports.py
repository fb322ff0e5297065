"""Exports of the filtered view: same rows as the query, identity by role, no formulas, WIB."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from wb_helpers import KEL_A, KEL_B, PANWASLU, PEJABAT, scoped_panwaslu

from kondusif import exports, store
from kondusif.model import SYSTEM, Category, Severity
from kondusif.timeutil import WIB, wib_day_range

INJECTIONS = {
    "title": "=HYPERLINK(\"http://jahat.example\",\"klik\")",
    "description": "+cmd|' /C calc'!A0",
    "reporter_name": "@SUM(1+1)*cmd",
    "reporter_phone": "-2+3",
}


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM so Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Insiden"]
    header = [c.value for c in ws[1]]
    return wb, ws, header


@pytest.fixture
def injected(engine, add_incident):
    return add_incident(
        title=INJECTIONS["title"], description=INJECTIONS["description"],
        reporter_name=INJECTIONS["reporter_name"], reporter_phone=INJECTIONS["reporter_phone"],
        followup_to="\tTab di depan", outcome="\rCR di depan",
    )


def test_csv_cells_that_could_run_as_formulas_are_neutralised(engine, injected):
    name, data, mime = exports.export(engine, None, PANWASLU, "csv")
    assert mime == "text/csv" and name.endswith(".csv")
    (row,) = read_csv(data)
    assert row["Judul"] == "'" + INJECTIONS["title"]
    assert row["Uraian"] == "'" + INJECTIONS["description"]
    assert row["Nama pelapor"] == "'" + INJECTIONS["reporter_name"]
    assert row["Telepon pelapor"] == "'" + INJECTIONS["reporter_phone"]
    assert row["Diserahkan kepada"] == "'\tTab di depan"
    assert row["Hasil"] == "'\rCR di depan"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_xlsx_cells_are_strings_not_formulas(engine, injected):
    _, data, _ = exports.export(engine, None, PANWASLU, "xlsx")
    wb, ws, header = read_xlsx(data)
    cells = dict(zip(header, ws[2], strict=True))
    for label, key in (("Judul", "title"), ("Uraian", "description"), ("Nama pelapor", "reporter_name"),
                       ("Telepon pelapor", "reporter_phone")):
        cell = cells[label]
        assert isinstance(cell.value, str) and cell.value == INJECTIONS[key]  # a string cell: no apostrophe
        assert cell.data_type == "s"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_reporter_identity_for_panwaslu_only(engine, add_incident):
    add_incident(kel=KEL_A, reporter_name="Bu Siti Rahayu", reporter_phone="081399998888")
    frame = exports.export_frame(engine, None, PANWASLU)
    assert frame.loc[0, "nama_pelapor"] == "Bu Siti Rahayu"
    for fmt in ("csv", "xlsx", "geojson"):
        _, data, _ = exports.export(engine, None, PANWASLU, fmt)
        if fmt == "xlsx":
            _, ws, header = read_xlsx(data)
            assert "Nama pelapor" in header and "Telepon pelapor" in header
            assert ws.cell(2, header.index("Nama pelapor") + 1).value == "Bu Siti Rahayu"
        elif fmt == "csv":
            assert read_csv(data)[0]["Telepon pelapor"] == "0813-9999-8888"
        else:
            props = json.loads(data)["features"][0]["properties"]
            assert props["nama_pelapor"] == "Bu Siti Rahayu"

    for fmt in ("csv", "xlsx", "geojson"):
        _, data, _ = exports.export(engine, None, PEJABAT, fmt)
        if fmt == "xlsx":
            wb, _, header = read_xlsx(data)
            assert "Nama pelapor" not in header and "Telepon pelapor" not in header
            values = [c.value for s in wb.worksheets for r in s.iter_rows() for c in r]
            assert "Bu Siti Rahayu" not in values and "081399998888" not in values
        else:
            assert b"Siti Rahayu" not in data and b"081399998888" not in data
            assert b"Nama pelapor" not in data and b"nama_pelapor" not in data
        if fmt == "geojson":
            props = json.loads(data)["features"][0]["properties"]
            assert not {"nama_pelapor", "telepon_pelapor", "reporter_name", "reporter_phone"} & set(props)


def _report_numbers(fmt: str, data: bytes) -> list[str]:
    if fmt == "csv":
        return [r["No. laporan"] for r in read_csv(data)]
    if fmt == "xlsx":
        _, ws, header = read_xlsx(data)
        i = header.index("No. laporan")
        return [row[i] for row in ws.iter_rows(min_row=2, values_only=True)]
    return [f["properties"]["no_laporan"] for f in json.loads(data)["features"]]


# (title, kelurahan, WIB time, severity, status): a hand-made store around the filter's edges.
EDGE_REPORTS = [
    ("A dalam", KEL_A, datetime(2018, 6, 18, 0, 0), "sedang", "baru"),
    ("B dalam", KEL_B, datetime(2018, 6, 20, 9, 0), "berat", "diverifikasi"),
    ("C dalam", KEL_B, datetime(2018, 6, 27, 23, 59), "sedang", "ditindaklanjuti"),
    ("D sesudah", KEL_A, datetime(2018, 6, 28, 0, 0), "berat", "baru"),
    ("E sebelum", KEL_B, datetime(2018, 6, 17, 23, 59), "berat", "baru"),
    ("F ringan", KEL_B, datetime(2018, 6, 22, 10, 0), "ringan", "baru"),
    ("G ditolak", KEL_A, datetime(2018, 6, 23, 10, 0), "berat", "ditolak"),
    ("H selesai", KEL_B, datetime(2018, 6, 25, 10, 0), "sedang", "selesai"),
    ("I dalam", KEL_A, datetime(2018, 6, 24, 12, 0), "berat", "diverifikasi"),
]
# Expected rows written by hand, newest first: 18-27/06/2018 WIB, sedang/berat, open statuses.
EXPECTED_TITLES = {
    PANWASLU.username: ["C dalam", "I dalam", "B dalam", "A dalam"],
    PEJABAT.username: ["C dalam", "I dalam", "B dalam", "A dalam"],
    "panwascam": ["C dalam", "B dalam"],  # KEL_B lies in kecamatan 16.73.05
}


@pytest.mark.parametrize("viewer", [PANWASLU, PEJABAT, scoped_panwaslu("16.73.05")],
                         ids=["panwaslu", "pejabat", "panwaslu-kec-05"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_exported_rows_equal_the_filtered_rows(engine, add_incident, viewer, fmt):
    numbers = {}
    for title, kel, when, severity, status in EDGE_REPORTS:
        row = add_incident(kel=kel, when=when.replace(tzinfo=WIB), severity=severity, status=status, title=title)
        numbers[title] = row["report_no"]
    start, end = wib_day_range(date(2018, 6, 18), date(2018, 6, 27))
    q = store.IncidentQuery.make(start=start, end=end, severity=["sedang", "berat"],
                                 status=["baru", "diverifikasi", "ditindaklanjuti"])
    _, data, _ = exports.export(engine, q, viewer, fmt)
    expected = [numbers[t] for t in EXPECTED_TITLES[viewer.username]]
    assert _report_numbers(fmt, data) == expected


def test_scoped_panwaslu_exports_only_their_kecamatan(demo_engine):
    viewer = scoped_panwaslu("16.73.05")
    frame = exports.export_frame(demo_engine, None, viewer)
    assert len(frame) == store.count_incidents(demo_engine, store.IncidentQuery.make(kecamatan="16.73.05"), viewer=SYSTEM)
    assert frame["kode_kelurahan"].str.startswith("16.73.05.").all()
    # Asking for another kecamatan explicitly yields nothing, not that kecamatan's rows.
    other = exports.export_frame(demo_engine, store.IncidentQuery.make(kecamatan="16.73.01"), viewer)
    assert other.empty
    _, data, _ = exports.export(demo_engine, None, viewer, "geojson")
    props = [f["properties"] for f in json.loads(data)["features"]]
    assert len(props) == len(frame) and all(p["kode_kelurahan"].startswith("16.73.05.") for p in props)


def test_dates_are_wib_and_labels_are_human(engine, add_incident):
    add_incident(kel=KEL_B, rt=3, when=datetime(2018, 6, 20, 16, 30, tzinfo=UTC),  # 23:30 WIB
                 category=Category.PERUSAKAN_APK, severity=Severity.BERAT, lat=-3.29, lon=102.87)
    (row,) = read_csv(exports.export(engine, None, PANWASLU, "csv")[1])
    assert row["Waktu kejadian (WIB)"] == "2018-06-20 23:30"
    assert (row["Kategori"], row["Tingkat"], row["Status"]) == ("Perusakan APK", "Berat", "Baru")
    assert (row["Kecamatan"], row["Kelurahan"], row["RT"]) == ("Lubuk Linggau Timur II", "Jawa Kanan", "03")
    _, ws, header = read_xlsx(exports.export(engine, None, PANWASLU, "xlsx")[1])
    assert ws.cell(2, header.index("Waktu kejadian (WIB)") + 1).value == datetime(2018, 6, 20, 23, 30)
    feature = json.loads(exports.export(engine, None, PANWASLU, "geojson")[1])["features"][0]
    assert feature["properties"]["waktu_kejadian"] == "2018-06-20T23:30:00+07:00"
    assert feature["geometry"] == {"type": "Point", "coordinates": [102.87, -3.29]}


def test_report_without_location_is_kept_with_null_geometry(engine, add_incident):
    add_incident()
    doc = json.loads(exports.export(engine, None, PANWASLU, "geojson")[1])
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 1
    assert doc["features"][0]["geometry"] is None


def test_file_name_carries_period_and_filter_and_is_safe():
    start, end = wib_day_range(date(2018, 6, 18), date(2018, 6, 24))
    q = store.IncidentQuery.make(start=start, end=end, kecamatan="16.73.05")
    assert exports.export_filename(q, PANWASLU, "csv") == "insiden_2018-06-18_2018-06-24_kec-16.73.05.csv"
    # A scoped user's file says the scope even without a kecamatan filter.
    q2 = store.IncidentQuery.make(start=start, end=end)
    assert exports.export_filename(q2, scoped_panwaslu("16.73.01"), "xlsx") == \
        "insiden_2018-06-18_2018-06-24_kec-16.73.01.xlsx"
    nasty = store.IncidentQuery.make(category=["politik_uang"], text="../../etc/passwd <b>\"x\"</b>")
    name = exports.export_filename(nasty, PANWASLU, "geojson")
    assert name.startswith("insiden_semua-waktu_kat-politik_uang_cari-")
    assert all(ch.isalnum() or ch in "._-" for ch in name)
    assert ".." not in name.replace(".geojson", "").split("cari-")[1]
    many = store.IncidentQuery.make(kelurahan=[f"16.73.0{i}.100{j}" for i in range(1, 9) for j in range(1, 6)])
    assert len(exports.export_filename(many, PANWASLU, "csv")) <= exports.MAX_NAME + 4


def test_xlsx_says_when_data_is_simulated(demo_engine):
    q = store.IncidentQuery.make(kecamatan="16.73.01", severity="berat")
    wb = load_workbook(io.BytesIO(exports.export(demo_engine, q, PEJABAT, "xlsx")[1]))
    notes = {r[0].value: r[1].value for r in wb["Keterangan"].iter_rows()}
    assert "SIMULASI" in notes["PERHATIAN"]
    assert notes["Identitas pelapor"] == "tidak disertakan untuk peran ini"
    assert int(notes["Jumlah baris"]) == store.count_incidents(demo_engine, q, PEJABAT)
