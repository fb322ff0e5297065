"""Reading spreadsheets: encodings, separators, XLSX, and files refused with a message."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from intake_helpers import fixture_bytes

from kondusif.intake.files import FileRefused, decode_text, read_table

PLAIN = [f"plain_{enc}_{sep}.csv" for enc in ("utf8", "utf8bom", "cp1252") for sep in ("comma", "semicolon")]


@pytest.mark.parametrize("name", PLAIN)
def test_every_encoding_and_separator_reads_the_same_table(name):
    t = read_table(fixture_bytes(name), name)
    assert t.header[:3] == ["Tanggal", "Kelurahan", "RT"]
    assert len(t.rows) == 10 and t.row_numbers[0] == 2 and t.row_numbers[-1] == 11
    assert t.rows[0][5] == "Amplop “serangan fajar”"  # curly quotes survive cp1252 too
    assert t.rows[0][6] == "Uang Rp50.000 – dibagikan ke warga"
    assert t.rows[1][6] == "Café warga"
    assert t.delimiter == ("," if "comma" in name else ";")
    assert t.encoding == {"utf8": "UTF-8", "utf8bom": "UTF-8 BOM", "cp1252": "Windows-1252"}[name.split("_")[1]]


def test_xlsx_keeps_real_datetimes_and_drops_trailing_blank_rows():
    t = read_table(fixture_bytes("kobo.xlsx"), "kobo.xlsx")
    assert t.kind == "xlsx" and len(t.rows) == 6
    assert isinstance(t.rows[0][0], datetime)
    assert any("lembar pertama" in n.lower() for n in t.notes)


def test_ushahidi_hxl_row_is_not_data():
    t = read_table(fixture_bytes("ushahidi.csv"), "ushahidi.csv")
    assert t.rows[0][0] == "101" and t.row_numbers[0] == 3


@pytest.mark.parametrize("data, name, words", [
    (b"", "x.csv", "kosong"),
    (b"   \r\n", "x.csv", "kosong"),
    (b"Tanggal;Kelurahan\r\n", "x.csv", "hanya berisi baris judul"),
    (b";;;\r\na;b;c\r\n", "x.csv", "judul kolom"),
    (bytes(range(256)) * 10, "x.csv", "biner"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "x.xls", ".xls"),
    (b"PK\x03\x04garbage", "x.xlsx", "rusak"),
    (b"a,b\n1,2\n", "x.xlsx", "bukan XLSX"),
    (b'a,b\n"1,2\n', "x.csv", "tanda kutip"),
])
def test_bad_files_refused_with_a_message(data, name, words):
    with pytest.raises(FileRefused) as exc:
        read_table(data, name)
    assert words.lower() in str(exc.value).lower()


def test_size_limit():
    with pytest.raises(FileRefused, match="terlalu besar"):
        read_table(b"a,b\n" + b"1,2\n" * 1000, "x.csv", max_bytes=100)


def test_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(FileRefused, match="bukan buku kerja"):
        read_table(buf.getvalue(), "x.xlsx")


def test_duplicate_and_blank_header_cells_get_distinct_names():
    t = read_table(b"RT,RT,,Judul\n1,2,3,x\n", "x.csv")
    assert t.header == ["RT", "RT (2)", "kolom_3", "Judul"]


def test_decode_prefers_utf8_then_cp1252():
    assert decode_text("Café".encode())[1] == "UTF-8"
    assert decode_text("Café".encode("cp1252")) == ("Café", "Windows-1252")
    assert decode_text("\ufeffa".encode("utf-16"))[1] == "UTF-16"
