"""Round trip of every user-visible field: one report with every field set (hostile text too),
read back the way each screen reads it, compared with values written by hand.

Screens: the map popup (maps.pack_incidents, decoded as the map's script does), the
workbench detail (workbench.detail_fields), the export row (CSV and XLSX), the weekly
PDF's table (text read with pypdf) and the kelurahan panel beside the map. Runs on
SQLite and, with KONDUSIF_DB_URL set, on PostgreSQL.
"""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kondusif import exports, maps, overview, registry, store, workbench
from kondusif.filters import Filter
from kondusif.model import SYSTEM, Incident, Role, Viewer
from kondusif.report import build
from kondusif.timeutil import WIB

PANWASLU = Viewer("panwas-kota", Role.PANWASLU, display_name="Panwaslu Kota")
PEJABAT = Viewer("sekda", Role.PEJABAT, display_name="Sekda")

TITLE = "<script>alert(1)</script> **x** =1+1"
DESCRIPTION = "=1+1 uraian **tebal** <b>b</b> [tautan](http://jahat.example)"
NAME = "Siti <b>Rahma</b>"
PHONE = "=0812345678"
FOLLOWUP_TO = "@Polres Lubuklinggau"
OUTCOME = "+Pelaku dibina <i>x</i>"
SOURCE_REF = "uji-rt-03"


@pytest.fixture
def stored(engine) -> dict:
    """The one report, with every field set, stored the way intake stores it."""
    registry.ensure_rt_registry(engine)
    record = {
        **Incident(
            kode_kelurahan="16.73.01.1001", rt=3, category="intimidasi", severity="berat", title=TITLE,
            description=DESCRIPTION, occurred_at=datetime(2018, 7, 7, 23, 55, tzinfo=WIB),
            reported_at=datetime(2018, 7, 8, 6, 10, tzinfo=WIB), lat=-3.2819, lon=102.91476,
            location_approx=True, source="form", source_ref=SOURCE_REF, reporter_name=NAME,
            reporter_phone=PHONE, status="ditindaklanjuti", created_by="rt-airkuti-03",
            possible_duplicate=True,
        ).__dict__,
        "followup_to": FOLLOWUP_TO,
        "followup_due": datetime(2018, 7, 10, 23, 59, tzinfo=WIB),
        "outcome": OUTCOME,
    }
    with store.write(engine) as conn:
        (row,) = store.insert_incidents(conn, [record], actor="rt-airkuti-03")
    return store.get_incident(engine, row["id"], viewer=SYSTEM)


def test_report_number_is_the_seasons_first(stored):
    assert stored["report_no"] == "LLG-2018-000001"


# --------------------------------------------------------------------------- map popup


def _col(payload: dict, key: str) -> np.ndarray:
    code, b64 = payload[key] if isinstance(payload[key], list) else ("u2", payload[key])
    return np.frombuffer(base64.b64decode(b64), dtype={"u1": "<u1", "u2": "<u2", "u4": "<u4"}[code])


def popup_rows(payload: dict, i: int) -> dict[str, str]:
    """The popup's rows as the map's script builds them (decoding only; labels from the payload's tables)."""
    n_sev, n_sta = len(maps.SEVERITIES), len(maps.STATUSES)
    kind = int(np.frombuffer(base64.b64decode(payload["kind"]), dtype="<u1")[i])
    minutes = int(payload["t0"]) + int(_col(payload, "t")[i])
    shown = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes, hours=7)
    kel = payload["kels"][int(_col(payload, "kel")[i])]
    seq = int(_col(payload, "seq")[i])
    prefix = payload["prefixes"][int(_col(payload, "pre")[i])]
    rt = int(_col(payload, "rt")[i])
    return {
        "Laporan": f"{prefix}-{seq - 1:0{payload['pad']}d}" if seq else prefix,
        "Judul": payload["titles"][int(_col(payload, "ttl")[i])],
        "Kelurahan": f"{kel[1]} (Kec. {kel[2]})",
        "RT": f"{rt:02d}" if rt else "-",
        "Kategori": maps.CATEGORIES[kind // (n_sta * n_sev)],
        "Keparahan": maps.SEVERITIES[(kind // n_sta) % n_sev],
        "Waktu": shown.strftime("%d/%m/%Y %H:%M") + " WIB",
        "Status": maps.STATUSES[kind % n_sta],
    }


def test_map_popup(engine, stored):
    flt = Filter(period="rentang", start=date(2018, 7, 1), end=date(2018, 7, 8))
    period = flt.resolve()
    layer = overview.page_data(engine, PEJABAT, flt, period).map
    assert not {"reporter_name", "reporter_phone"} & set(layer.frame.columns)
    payload = maps.pack_incidents(layer.frame, maps.static_layers().points)
    assert popup_rows(payload, 0) == {
        "Laporan": "LLG-2018-000001",
        "Judul": TITLE,  # the script escapes it when drawing (tests/browser/test_map_browser.py)
        "Kelurahan": "Air Kuti (Kec. Lubuk Linggau Timur I)",
        "RT": "03",
        "Kategori": "intimidasi",
        "Keparahan": "berat",
        "Waktu": "07/07/2018 23:55 WIB",
        "Status": "ditindaklanjuti",
    }
    assert NAME not in maps.js_json(payload) and PHONE not in maps.js_json(payload)


# --------------------------------------------------------------------------- workbench detail


def test_workbench_detail(engine, stored):
    row = store.get_incident(engine, "LLG-2018-000001", PANWASLU)
    fields = dict(workbench.detail_fields(row, PANWASLU))
    changed = fields.pop("Terakhir diubah")
    assert changed.endswith(" WIB")  # the moment it was stored: not a fixed value
    assert fields == {
        "No. laporan": "LLG-2018-000001",
        "Status": "Ditindaklanjuti",
        "Kategori": "Intimidasi/ancaman",
        "Tingkat": "Berat",
        "Judul": TITLE,
        "Uraian": DESCRIPTION,
        "Waktu kejadian": "07/07/2018 23:55 WIB",
        "Dilaporkan": "08/07/2018 06:10 WIB",
        "Kecamatan": "Lubuk Linggau Timur I",
        "Kelurahan": "Air Kuti (16.73.01.1001)",
        "RT": "03",
        "Lokasi": "-3.28190, 102.91476 (perkiraan)",
        "Sumber": "Formulir",  # issue 30.5: never the raw dedupe key
        "Nama pelapor": NAME,
        "Telepon pelapor": PHONE,
        "Dibuat oleh": "rt-airkuti-03",
        "Diserahkan kepada": FOLLOWUP_TO,
        "Tenggat tindak lanjut": "10/07/2018 23:59 WIB",
        "Hasil": OUTCOME,
        "Duplikat dari": "-",
        "Kemungkinan duplikat": "ya",
        "Versi": "1",
    }
    # A pejabat reads the same report without the reporter's identity.
    pejabat = dict(workbench.detail_fields(row, PEJABAT))
    assert "Nama pelapor" not in pejabat and "Telepon pelapor" not in pejabat


# --------------------------------------------------------------------------- exports

EXPORT_ROW = {
    "No. laporan": "LLG-2018-000001",
    "Waktu kejadian (WIB)": "2018-07-07 23:55",
    "Waktu dilaporkan (WIB)": "2018-07-08 06:10",
    "Kecamatan": "Lubuk Linggau Timur I",
    "Kelurahan": "Air Kuti",
    "Kode kelurahan": "16.73.01.1001",
    "RT": "03",
    "Kategori": "Intimidasi/ancaman",
    "Tingkat": "Berat",
    "Status": "Ditindaklanjuti",
    "Judul": TITLE,  # starts with "<": not a formula
    "Uraian": "'" + DESCRIPTION,
    "Lintang": "-3.2819",
    "Bujur": "102.91476",
    "Lokasi perkiraan": "ya",
    "Sumber": "Formulir",
    "Nama pelapor": NAME,
    "Telepon pelapor": "'" + PHONE,
    "Diserahkan kepada": "'" + FOLLOWUP_TO,
    "Tenggat tindak lanjut (WIB)": "2018-07-10 23:59",
    "Hasil": "'" + OUTCOME,
    "Duplikat dari": "",
    "Kemungkinan duplikat": "ya",
}


def test_export_csv_row(engine, stored):
    _, data, _ = exports.export(engine, None, PANWASLU, "csv")
    (row,) = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    changed = row.pop("Terakhir diubah (WIB)")
    assert changed.startswith("20")
    assert row == EXPORT_ROW


def test_export_xlsx_row(engine, stored):
    _, data, _ = exports.export(engine, None, PANWASLU, "xlsx")
    ws = load_workbook(io.BytesIO(data))["Insiden"]
    header = [c.value for c in ws[1]]
    (values,) = list(ws.iter_rows(min_row=2, values_only=True))
    row = dict(zip(header, values, strict=True))
    row.pop("Terakhir diubah (WIB)")
    assert row == {
        **EXPORT_ROW,
        "Waktu kejadian (WIB)": datetime(2018, 7, 7, 23, 55),
        "Waktu dilaporkan (WIB)": datetime(2018, 7, 8, 6, 10),
        "Tenggat tindak lanjut (WIB)": datetime(2018, 7, 10, 23, 59),
        "Uraian": DESCRIPTION,  # string cells need no apostrophe (issue 30)
        "Telepon pelapor": PHONE,
        "Diserahkan kepada": FOLLOWUP_TO,
        "Hasil": OUTCOME,
        "Lintang": -3.2819,
        "Bujur": 102.91476,
        "Duplikat dari": None,
    }


# --------------------------------------------------------------------------- weekly PDF


def test_weekly_pdf_table(engine, stored):
    built = build.build_report(engine, build.make_params(
        "2018-W27", "sekda", generated_at=datetime(2018, 7, 9, 1, 0, tzinfo=UTC)))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(built.pdf)).pages)
    serious = text[text.index("4. Laporan berat terverifikasi minggu ini (1)"):]
    for shown in ("LLG-2018-000001", "07/07/2018 23:55", "Air Kuti, RT 03", "Intimidasi/ancaman",
                  "Ditindaklanjuti", "tenggat 10/07/2018", "hasil: +Pelaku dibina <i>x</i>"):
        assert shown in serious, shown
    flat = serious.replace(" ", "")
    assert "<script>alert(1)</script>**x**=1+1" in flat  # printed as text, wrapped in its cell
    assert "@PolresLubuklinggau" in flat
    assert "Siti" not in text and "0812345678" not in text  # no identity in the PDF


# --------------------------------------------------------------------------- kelurahan panel


def test_kelurahan_panel(engine, stored):
    flt = Filter(period="rentang", start=date(2018, 7, 1), end=date(2018, 7, 8))
    period = flt.resolve()
    levels = overview.levels_for_view(engine, PEJABAT, flt, period.as_of)
    detail = overview.kelurahan_detail(engine, PEJABAT, flt, period, levels, "16.73.01.1001")
    assert (detail.nama, detail.kecamatan) == ("Air Kuti", "Lubuk Linggau Timur I")
    assert detail.latest.to_dict("records") == [{
        "No. laporan": "LLG-2018-000001", "Waktu": "07/07/2018 23:55 WIB", "RT": "03",
        "Kategori": "Intimidasi/ancaman", "Keparahan": "Berat", "Status": "Ditindaklanjuti", "Judul": TITLE,
    }]
    assert detail.by_category.to_dict("records") == [{"Kategori": "Intimidasi/ancaman", "Laporan": 1}]
    assert dict(zip(detail.by_severity["Keparahan"], detail.by_severity["Laporan"], strict=True)) == {
        "Ringan": 0, "Sedang": 0, "Berat": 1}
