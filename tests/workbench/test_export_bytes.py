"""Issue 14 (export speed): trimming the export code keeps every file byte-for-byte the same.

The digests below were recorded by running `file_digests` on the export code before the
speed work of this branch (commit f9ab501), on the fixed store of test_exports_same_rows
(400 simulated reports, seed 21, plus hostile text: formulas, tabs, CRLF, unicode, no
location, a duplicate link), and an empty export. Any change to a byte of the CSV files, the GeoJSON, or the
XLSX parts (every part but docProps/core.xml, which holds the creation time) changes them.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from test_exports_same_rows import build_store
from wb_helpers import ADMIN, PEJABAT, scoped_panwaslu

from kondusif import exports, store


def _xlsx_parts(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = [(n, hashlib.sha256(z.read(n)).hexdigest()) for n in sorted(z.namelist()) if n != "docProps/core.xml"]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def file_digests(engine) -> dict[str, str]:
    q = store.IncidentQuery(start=datetime(2018, 6, 1, tzinfo=UTC))
    out = {}
    for name, viewer in (("admin", ADMIN), ("pejabat", PEJABAT), ("panwascam", scoped_panwaslu("16.73.05"))):
        frame = exports.export_frame(engine, q, viewer)
        out[f"{name}.csv"] = hashlib.sha256(exports.to_csv_bytes(frame)).hexdigest()
        out[f"{name}.csv-excel"] = hashlib.sha256(exports.to_csv_bytes(frame, excel=True)).hexdigest()
        out[f"{name}.geojson"] = hashlib.sha256(exports.to_geojson_bytes(frame, "insiden")).hexdigest()
        out[f"{name}.xlsx"] = _xlsx_parts(exports.to_xlsx_bytes(frame, [("Oleh", "=tes"), ("Jumlah baris", "7")]))
    empty = exports.export_frame(engine, store.IncidentQuery(start=datetime(2030, 1, 1, tzinfo=UTC)), ADMIN)
    out["empty.csv"] = hashlib.sha256(exports.to_csv_bytes(empty)).hexdigest()
    out["empty.csv-excel"] = hashlib.sha256(exports.to_csv_bytes(empty, excel=True)).hexdigest()
    out["empty.geojson"] = hashlib.sha256(exports.to_geojson_bytes(empty, "insiden")).hexdigest()
    out["empty.xlsx"] = _xlsx_parts(exports.to_xlsx_bytes(empty, [("Jumlah baris", "0")]))
    return out


# Recorded on the code before this branch's export changes (see the module docstring).
BEFORE: dict[str, str] = {
    "admin.csv": "5f88c9e94ed0cb95adb721bb17cdb2a4f26a6792e7f6cb2bfd303855c42205d9",
    "admin.csv-excel": "0024177c2395ddd2d8869db981859de50be5ac307c344cdfd0c02ed91c325d9c",
    "admin.geojson": "b87cc0cd1bcd453528b46aa273afc59555746ad30e81b12a68b44ac76a4fbf6b",
    "admin.xlsx": "15f73387e9bfc252dd68dbbb336a65ea67aca535ec13dcb0c95ff8f7a85f4438",
    "pejabat.csv": "497af7cf064bea8ab5fca92452116bc572dee90a980eb211b03239a45e7f5c88",
    "pejabat.csv-excel": "0404ad98ccd04e34dd502ff3e9b9cda75990abf4f9cf0306ede98de55a21b515",
    "pejabat.geojson": "6254381828e441fa35248d6cc75bd5cdca09f1a2b7d083e480f4780fbbfd3472",
    "pejabat.xlsx": "c090e6106cda5667c40f6e073122fbfb501ab6349338b55d0bb272a06997d3ea",
    "panwascam.csv": "0916dad3f0aaeccf5859b6491a9a211908d511cf807d7c13586e05a286e10c13",
    "panwascam.csv-excel": "fb190b0a731f8e7c97a5f965263b826d402babc0792e7435307082bcbb3f5135",
    "panwascam.geojson": "d05f232ca265a83a914551c4ac4f9888d0f9d2ec4983a637708dc0ac28f6d3b0",
    "panwascam.xlsx": "d1679d335e827db7fba39a1c16f770aa09e2899b1fb2c45d9ac244b4f51b1076",
    "empty.csv": "8311b55741dbf3950717d54bbb1081f011041e8e179bd0cb44d436ce5f1ee7ef",
    "empty.csv-excel": "c58c6167654c5022d1879eea30f380caca5e008733a90ffc2d18141fb76744cb",
    "empty.geojson": "240714378f3253dd16abcb998b82380dc9e151c8262d040e3408e400f6deb4a2",
    "empty.xlsx": "50d340f3644c300b8d50a9e69c3706b6bab8b86a8ac286991ac1cd4bb54a6d76",
}


@pytest.fixture(params=["bulk", "cell-by-cell"])
def xlsx_writer(request, monkeypatch):
    """The bulk sheet writer (the pinned xlsxwriter) and xlsxwriter's own writers (any other version)."""
    if request.param == "cell-by-cell":
        monkeypatch.setattr(exports, "FAST_XLSX_VERSION", "another version")
    return request.param


def test_export_files_are_byte_for_byte_as_before(engine, xlsx_writer):
    build_store(engine)
    assert file_digests(engine) == BEFORE


def test_xlsx_text_shaped_like_sheet_xml_stays_text(engine, add_incident, xlsx_writer):
    # xlsxwriter copies text of the form "<r>…</r>" into the sheet as raw XML (its rich-string
    # fast path): this title would have added a formula cell to the export.
    title = '<r><t>x</t></r></is></c><c r="Z2"><f>HYPERLINK("http://x.test","klik")</f></c><c><is><r><t>y</t></r>'
    add_incident(title=title)
    data = exports.to_xlsx_bytes(exports.export_frame(engine, None, ADMIN))
    ws = load_workbook(io.BytesIO(data))["Insiden"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert len(rows) == 2 and len(rows[1]) == len(header) == len(exports.export_frame(engine, None, ADMIN).columns)
    # Written escaped by the bulk writer; marked with an apostrophe through xlsxwriter's writers.
    assert rows[1][header.index("Judul")] == (title if xlsx_writer == "bulk" else "'" + title)
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
