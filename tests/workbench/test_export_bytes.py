"""Issue 14 (export speed): trimming the export code keeps every file byte-for-byte the same.

The digests below were recorded by running `file_digests` on the export code before the
speed work of this branch (commit f9ab501), on the fixed store of test_exports_same_rows
(400 simulated reports, seed 21, plus hostile text: formulas, tabs, CRLF, unicode, no
location, a duplicate link), and an empty export. Any change to a byte of the CSV files, the GeoJSON, or the
XLSX parts (every part but docProps/core.xml, which holds the creation time) changes them.
Re-recorded once for issue 30, whose format change is deliberate (RT as "06", phones as
"0812-3456-7890", no apostrophe in XLSX string cells, column widths, filter row); the speed
paths (bulk and cell-by-cell) still have to agree on every byte.
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
    "admin.csv": "6a5a42f554e0211f96d2c448d5756494ca74471f5a77e2ceaabc1c939a5c5071",
    "admin.csv-excel": "85539f6160f83b94334964a0fb258d3ae45d666f9036433d76347b02bee261e6",
    "admin.geojson": "b87cc0cd1bcd453528b46aa273afc59555746ad30e81b12a68b44ac76a4fbf6b",
    "admin.xlsx": "f0781a3dc72334bd58a7d8467120a678dbdd778cc91c4821bdfcc2969c9ff091",
    "pejabat.csv": "195176fd880166e21ba2b9b9aae9cdbcd272017775467784e9fb54516d2bd5e5",
    "pejabat.csv-excel": "d444b8e605dcc0af4b837ff6fdf08999c111cc64f6a84dde57d1f73746b5e503",
    "pejabat.geojson": "6254381828e441fa35248d6cc75bd5cdca09f1a2b7d083e480f4780fbbfd3472",
    "pejabat.xlsx": "ce5daa828c011a85be5f29c5fd8b55e5a3c0b6b48620edd42b308d5934273c1d",
    "panwascam.csv": "39b7c0006657936220a8427544dc6a2c89676579cdf5d3713f063916e16ef10b",
    "panwascam.csv-excel": "de6c63d497ddb805212c96ae94bd173be53766b12446ab0594da2a263270d0b5",
    "panwascam.geojson": "d05f232ca265a83a914551c4ac4f9888d0f9d2ec4983a637708dc0ac28f6d3b0",
    "panwascam.xlsx": "a16b1318763178712261bc2eb781bf881db6ea8983873fb3c62f2f0670eb2d5e",
    "empty.csv": "8311b55741dbf3950717d54bbb1081f011041e8e179bd0cb44d436ce5f1ee7ef",
    "empty.csv-excel": "c58c6167654c5022d1879eea30f380caca5e008733a90ffc2d18141fb76744cb",
    "empty.geojson": "240714378f3253dd16abcb998b82380dc9e151c8262d040e3408e400f6deb4a2",
    "empty.xlsx": "327161cff62a1ee8df1fb5eec3eb5e229d9d19e483357d35c2a9313277557a22",
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
