"""Issue 30 item 2: exports as an Indonesian Excel user opens them.

XLSX is read with openpyxl: phone numbers are text without an apostrophe, formulas
typed by a reporter are string cells (no apostrophe either), RT is "06", the columns
have widths and the heading row has filter buttons. The ``;`` CSV is read the way
Excel in an Indonesian locale reads it: the BOM, ``;`` between fields, quotes
dropped, and every field that looks like a number (digits, "." thousands, ","
decimals) turned into a number, so a text column must not look like one.
"""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from wb_helpers import PANWASLU

from kondusif import exports

HOSTILE_TITLE = "=HYPERLINK(\"http://contoh.invalid\",\"klik\")"
_EXCEL_ID_NUMBER = re.compile(r"-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")


def excel_id_reads(field: str) -> object:
    """What Excel (id-ID) makes of one CSV field: a number when it looks like one, else the text."""
    if _EXCEL_ID_NUMBER.fullmatch(field):
        number = float(field.replace(".", "").replace(",", "."))
        return int(number) if number.is_integer() else number
    return field


def open_like_excel_id(data: bytes) -> list[dict[str, object]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to read the file as UTF-8"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    return [dict(zip(header, (excel_id_reads(f) for f in row), strict=True)) for row in body]


def test_xlsx_cells_as_excel_shows_them(engine, add_incident):
    add_incident(rt=6, reporter_phone="+6281234567890", title=HOSTILE_TITLE, description="-2+3 orang")
    _, data, _ = exports.export(engine, None, PANWASLU, "xlsx")
    ws = load_workbook(io.BytesIO(data))["Insiden"]
    header = [c.value for c in ws[1]]
    (row,) = list(ws.iter_rows(min_row=2))
    cell = dict(zip(header, row, strict=True))
    assert cell["Telepon pelapor"].value == "0812-3456-7890" and cell["Telepon pelapor"].data_type == "s"
    assert cell["RT"].value == "06" and cell["RT"].data_type == "s"
    assert cell["Judul"].value == HOSTILE_TITLE and cell["Judul"].data_type == "s"  # text, never run
    assert cell["Uraian"].value == "-2+3 orang"
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}2"
    widths = {h: ws.column_dimensions[ws.cell(1, i + 1).column_letter].width for i, h in enumerate(header)}
    assert widths["RT"] >= 8 and widths["Telepon pelapor"] >= len("Telepon pelapor")
    assert widths["Waktu kejadian (WIB)"] >= len("Waktu kejadian (WIB)")
    assert max(widths.values()) <= 60


def test_csv_for_indonesian_excel_keeps_text_columns_text(engine, add_incident):
    add_incident(rt=6, reporter_phone="081234567890", title=HOSTILE_TITLE)
    add_incident(rt=12, reporter_phone="+6281298765432", title="Baliho dirusak")
    _, data, _ = exports.export(engine, None, PANWASLU, "csv-excel")
    rows = sorted(open_like_excel_id(data), key=lambda r: str(r["RT"]))
    assert [r["RT"] for r in rows] == ["RT 06", "RT 12"]
    assert [r["Telepon pelapor"] for r in rows] == ["0812-3456-7890", "0812-9876-5432"]
    assert rows[0]["Judul"] == "'" + HOSTILE_TITLE  # a CSV field can only be guarded by the apostrophe
    assert not any(str(v).startswith(("=", "+", "@")) for r in rows for v in r.values())


def test_comma_csv_keeps_rt_and_phone_as_written(engine, add_incident):
    add_incident(rt=6, reporter_phone="+6281234567890")
    _, data, _ = exports.export(engine, None, PANWASLU, "csv")
    (row,) = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert (row["RT"], row["Telepon pelapor"]) == ("06", "0812-3456-7890")
    assert '"06"' in data.decode("utf-8-sig").split("\r\n")[1]  # quoted: text for readers that honour quotes
