"""Issue 14: the faster export path writes the same rows as the code before it.

The fingerprints below were recorded by running `build_store` and `fingerprints`
on the code before issue 14 (commit fa5b902: openpyxl write-only XLSX, frames
through store.query_incidents). Any change to a cell value, a column, the
neutralisation of formula-like text, the role-aware identity columns or the row
order changes them.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime

from openpyxl import load_workbook
from wb_helpers import ADMIN, PEJABAT, scoped_panwaslu

from kondusif import demo, exports, registry, store

FIXED = datetime(2018, 7, 1, 3, 4, 5, 123456, tzinfo=UTC)
HOSTILE = [
    # Text a spreadsheet would run, control characters, unicode, no location, duplicate link.
    {"id": "00000000-0000-4000-8000-000000000001", "kode_kelurahan": "16.73.01.1001", "rt": 1,
     "category": "politik_uang", "severity": "berat", "title": '=HYPERLINK("http://x.test","klik")',
     "description": "+62 811\tbaris\r\nkedua <b>&amp;</b>", "occurred_at": datetime(2018, 6, 26, 17, 30, tzinfo=UTC),
     "reported_at": datetime(2018, 6, 26, 17, 45, 1, tzinfo=UTC), "lat": -3.2961234567891234,
     "lon": 102.86123456789012, "location_approx": True, "source": "form", "source_ref": None,
     "reporter_name": "@admin", "reporter_phone": "-1+1", "status": "ditindaklanjuti",
     "followup_to": "\tPolres", "followup_due": datetime(2018, 6, 30, 1, 0, tzinfo=UTC), "outcome": None,
     "possible_duplicate": True, "created_by": "rt-1673011001-001", "updated_at": FIXED},
    {"id": "00000000-0000-4000-8000-000000000002", "kode_kelurahan": "16.73.05.1001", "rt": None,
     "category": "lainnya", "severity": "ringan", "title": "Ünïcödé — «kutip» 中文",
     "description": "", "occurred_at": datetime(2018, 6, 27, 0, 5, tzinfo=UTC),
     "reported_at": datetime(2018, 6, 27, 0, 6, tzinfo=UTC), "lat": None, "lon": None,
     "source": "import", "source_ref": "berkas.xlsx:7", "reporter_name": None, "reporter_phone": None,
     "status": "duplikat", "duplicate_of": "00000000-0000-4000-8000-000000000001", "outcome": "-selesai",
     "created_by": "operator", "updated_at": FIXED},
]


def build_store(engine) -> None:
    """400 simulated reports (seed 21) plus hostile ones, every updated_at fixed."""
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 400, seed=21)
    with store.write(engine) as conn:
        for r in HOSTILE:  # one call each: the code before issue 14 could not mix key sets in one call
            store.insert_incidents(conn, [dict(r)], actor="tester", audit=False)
        conn.execute(store.incidents.update().values(updated_at=FIXED))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _xlsx_sheet(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Insiden"]
    cells = [[(c.value, c.number_format if isinstance(c.value, datetime) else None, c.font.b if c.row == 1 else None)
              for c in row] for row in ws.iter_rows()]
    return repr((wb.sheetnames, ws.freeze_panes, cells))


def fingerprints(engine) -> dict[str, str]:
    q = store.IncidentQuery(start=datetime(2018, 6, 1, tzinfo=UTC))
    out = {}
    for name, viewer in (("admin", ADMIN), ("pejabat", PEJABAT), ("panwascam", scoped_panwaslu("16.73.05"))):
        frame = exports.export_frame(engine, q, viewer)
        out[f"{name}.rows"] = str(len(frame))
        out[f"{name}.frame"] = _sha(repr(frame.to_dict("split")))
        out[f"{name}.xlsx"] = _sha(_xlsx_sheet(exports.to_xlsx_bytes(frame, [("Oleh", "=tes")])))
        out[f"{name}.geojson"] = hashlib.sha256(exports.to_geojson_bytes(frame, "insiden")).hexdigest()
    return out


# Recorded on the code before issue 14 (see the module docstring); the xlsx ones again for issue 30
# (RT "06", phones "0812-…", no apostrophe in string cells, column widths, filter row).
BEFORE = {
    "admin.rows": "238",
    "admin.frame": "795493ffb666b7b8822d4360dacdbad543e526760b5e5af67ea850ca692ae429",
    "admin.xlsx": "8138ad4975fd4c55f52556ab463e88b1a0cf58e055b082b6d13966899db6ea1f",
    "admin.geojson": "b87cc0cd1bcd453528b46aa273afc59555746ad30e81b12a68b44ac76a4fbf6b",
    "pejabat.rows": "238",
    "pejabat.frame": "379e8ac14970146ad2a72ef4a654443f4d3fd2013a8a77d8183ecdc134f3b360",
    "pejabat.xlsx": "ea3e0c6c165cd8f11009c62686b3d790a474f22e52decaa51850ec5a6bb917d0",
    "pejabat.geojson": "6254381828e441fa35248d6cc75bd5cdca09f1a2b7d083e480f4780fbbfd3472",
    "panwascam.rows": "21",
    "panwascam.frame": "190c4265c1c4b131016754e04cd6e12780171ed0f2deaafa011be7aa335de62f",
    "panwascam.xlsx": "6bc97d933ec948b1f4932ee85746758127e45ddb0c0d70c5fad87d74f4aef071",
    "panwascam.geojson": "d05f232ca265a83a914551c4ac4f9888d0f9d2ec4983a637708dc0ac28f6d3b0",
}


def test_exports_write_the_same_rows_as_before(engine):
    build_store(engine)
    assert fingerprints(engine) == BEFORE


def test_xlsx_keeps_cells_exact_and_inert(engine):
    build_store(engine)
    data = exports.to_xlsx_bytes(exports.export_frame(engine, None, ADMIN), [("=Oleh", "+tes")])
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Insiden"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[header.index("Judul")].startswith("=HYP"))
    cell = dict(zip(header, row, strict=True))
    # 16 significant digits, as the openpyxl writer before issue 14 wrote them (Excel shows 15).
    assert (cell["Lintang"], cell["Bujur"]) == (-3.296123456789124, 102.8612345678901)
    assert cell["Waktu kejadian (WIB)"] == datetime(2018, 6, 27, 0, 30)  # 27/06/2018 00:30 WIB
    assert cell["Uraian"] == "+62 811\tbaris\nkedua <b>&amp;</b>"  # string cells: no apostrophe  # CRLF read back as LF, as before
    assert (cell["Nama pelapor"], cell["Telepon pelapor"], cell["Diserahkan kepada"]) == (
        "@admin", "-1+1", "\tPolres")
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)  # no formula anywhere
    assert [[c.value for c in r] for r in wb["Keterangan"].iter_rows()] == [["=Oleh", "+tes"]]
    pejabat = load_workbook(io.BytesIO(exports.to_xlsx_bytes(exports.export_frame(engine, None, PEJABAT))))
    assert "Nama pelapor" not in [c.value for c in pejabat["Insiden"][1]]


def test_geojson_rows_and_coordinates(engine):
    build_store(engine)
    doc = json.loads(exports.to_geojson_bytes(exports.export_frame(engine, None, PEJABAT)))
    assert len(doc["features"]) == 402
    first = next(f for f in doc["features"] if f["properties"]["judul"].startswith('=HYP'))
    assert first["geometry"]["coordinates"] == [102.86123456789012, -3.2961234567891234]
    assert first["properties"]["waktu_kejadian"] == "2018-06-27T00:30:00+07:00"
    assert "nama_pelapor" not in first["properties"]


def test_xlsx_exports_text_with_control_characters(engine, add_incident):
    # The openpyxl writer before issue 14 refused such a cell and the whole export failed.
    add_incident(title="Bel \x07 dan \x1b escape", description="=1+1\x1f")
    data = exports.to_xlsx_bytes(exports.export_frame(engine, None, ADMIN))
    ws = load_workbook(io.BytesIO(data))["Insiden"]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws[2]]
    assert row[header.index("Judul")] == "Bel _x0007_ dan _x001B_ escape"  # Excel shows the characters
    assert row[header.index("Uraian")].startswith("=1+1")
