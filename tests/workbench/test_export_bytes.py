"""Issue 14 (export speed): trimming the export code keeps every file byte-for-byte the same.

The digests below were recorded by running `file_digests` on the export code before the
speed work of this branch (commit f9ab501), on the fixed store of test_exports_same_rows
(400 simulated reports, seed 21, plus hostile text: formulas, tabs, CRLF, unicode, no
location, a duplicate link). Any change to a byte of the CSV files, the GeoJSON, or the
XLSX parts (every part but docProps/core.xml, which holds the creation time) changes them.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime

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
}


def test_export_files_are_byte_for_byte_as_before(engine):
    build_store(engine)
    assert file_digests(engine) == BEFORE
