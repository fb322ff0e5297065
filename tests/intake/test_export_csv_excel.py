"""Issue 12 item 15: CSV exports that Indonesian Excel (which splits on ``;``) cannot turn into formulas.

Every text field is quoted; a formula start after any delimiter a spreadsheet
may split on (``;``, ``,``, tab, ``|``) is neutralised; a ``;``-separated file
for Excel is offered next to the standard comma one, and each says which it is.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from kondusif import exports, store
from kondusif.intake import pipeline
from kondusif.model import Role, Viewer

PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
TITLE = "Amplop;=1+1;@SUM(9)"
DESCRIPTION = "Dibagi, +cmd|' /C calc'!A0\tdi gang\t-2+3|=HYPERLINK(\"http://contoh.invalid\")"


@pytest.fixture
def hostile(engine):
    with store.write(engine) as conn:
        store.insert_incidents(conn, [{
            "kode_kelurahan": "16.73.01.1001", "rt": 3, "category": "politik_uang", "severity": "sedang",
            "title": TITLE, "description": DESCRIPTION, "occurred_at": datetime(2018, 6, 20, 7, 30, tzinfo=UTC),
            "lat": -3.2819, "lon": 102.9147, "source": "form", "source_ref": "t1", "status": "baru",
            "reporter_name": "Pak Rahman", "reporter_phone": "+6281234567890"}])
    return engine


def split_like_excel(line: str, sep: str) -> list[str]:
    """What a spreadsheet that ignores the quoting would make of one line: cells split on ``sep``."""
    return [cell.strip().strip('"') for cell in line.split(sep)]


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("csv-excel", ";")])
def test_no_cell_starts_a_formula_whichever_delimiter_splits_the_line(hostile, fmt, sep):
    name, data, mime = exports.export(hostile, None, PANWASLU, fmt)
    assert mime == "text/csv"
    text = data.decode("utf-8-sig")
    body = text.split("\r\n")[1]
    for delimiter in (";", ",", "\t", "|"):
        for cell in split_like_excel(body, delimiter):
            assert not cell.startswith(("=", "+", "@")), (delimiter, cell)
            assert not re.match(r"-\D", cell), (delimiter, cell)
    (row,) = list(csv.DictReader(io.StringIO(text), delimiter=sep))
    assert row["Judul"] == "Amplop;'=1+1;'@SUM(9)"  # still readable, no longer a formula anywhere
    assert row["Uraian"] == "Dibagi, '+cmd|' /C calc'!A0\tdi gang\t'-2+3|'=HYPERLINK(\"http://contoh.invalid\")"


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("csv-excel", ";")])
def test_every_text_field_is_quoted(hostile, fmt, sep):
    _, data, _ = exports.export(hostile, None, PANWASLU, fmt)
    header, body = data.decode("utf-8-sig").split("\r\n")[:2]
    assert header.startswith('"No. laporan"' + sep + '"Waktu kejadian (WIB)"')
    assert f'{sep}"Air Kuti"{sep}' in body and f'{sep}"Politik uang"{sep}' in body
    assert f'{sep}"Pak Rahman"{sep}"0812-3456-7890"{sep}' in body


def test_excel_file_uses_semicolons_and_decimal_commas_and_says_so(hostile):
    name, data, _ = exports.export(hostile, None, PANWASLU, "csv-excel")
    assert name.endswith("_excel-titik-koma.csv")
    plain_name = exports.export_filename(None, PANWASLU, "csv")
    assert plain_name.endswith(".csv") and "excel" not in plain_name and name != plain_name
    (row,) = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert (row["Lintang"], row["Bujur"]) == ("-3,2819", "102,9147")  # numbers Indonesian Excel reads as numbers
    assert row["RT"] == "RT 03"  # digits alone would become the number 3 in Excel
    assert exports.FORMAT_LABELS["csv"] == "CSV (pemisah koma)"
    assert exports.FORMAT_LABELS["csv-excel"] == "CSV untuk Excel Indonesia (pemisah titik koma)"
    assert exports.formats_note() == (
        "«CSV Excel (;)»: CSV untuk Excel Indonesia (pemisah titik koma), dibuka langsung oleh Excel berbahasa "
        "Indonesia; desimal pakai koma. «CSV (,)»: CSV (pemisah koma), standar: untuk LibreOffice, Google Sheets, "
        "Python/R.")


def test_rejected_rows_file_neutralises_after_delimiters_too(engine):
    from kondusif import registry

    registry.ensure_rt_registry(engine)
    data = (b"Kelurahan,RT,Kategori,Tingkat,Judul,Waktu\n"
            b"Antah Berantah,3,politik uang,sedang,\"Amplop;=1+1;@SUM(9)\",20/06/2018 14:00\n")
    p = pipeline.preview_file(engine, data, "x.csv", PANWASLU)
    assert p.rejected == 1
    line = p.rejects_csv().decode("utf-8-sig").split("\r\n")[1]
    for delimiter in (";", ","):
        for cell in split_like_excel(line, delimiter):
            assert not cell.startswith(("=", "+", "@")), (delimiter, cell)
