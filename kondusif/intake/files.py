"""Read an uploaded spreadsheet into a header and rows, whatever Excel or KoboToolbox made of it.

CSV with comma, semicolon or tab; UTF-8, UTF-8 with BOM, UTF-16 (Excel's
"Unicode text") or Windows-1252; and XLSX (first sheet). Anything else - an
empty file, a header with no rows, an old .xls, a picture renamed .csv, a file
over the upload limit - is refused with a message in Bahasa Indonesia
(`FileRefused`), never a traceback.

Row numbers are the ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from kondusif.config import settings

MAX_COLUMNS = 500
MAX_CELL_CHARS = 1_000_000
MAX_XLSX_UNCOMPRESSED = 800 * 1024 * 1024


class FileRefused(ValueError):
    """The file as a whole cannot be read; the message says why, in Indonesian."""


@dataclass
class Table:
    """A sheet: header cells, data rows (lists of str/datetime/number/None) and their row numbers."""

    header: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]
    kind: str  # csv or xlsx
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def describe(self) -> str:
        if self.kind == "xlsx":
            return "XLSX"
        sep = {",": "koma", ";": "titik koma", "\t": "tab"}.get(self.delimiter or "", self.delimiter)
        return f"CSV ({self.encoding}, pemisah {sep})"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def read_table(data: bytes, filename: str = "", max_bytes: int | None = None) -> Table:
    """Header and rows of a CSV or XLSX file given as bytes; raises FileRefused."""
    limit = settings().max_upload_bytes if max_bytes is None else max_bytes
    if len(data) > limit:
        raise FileRefused(f"Berkas terlalu besar ({_mb(len(data))}); batasnya {_mb(limit)}. "
                          "Pecah menjadi beberapa berkas.")
    if not data or not data.strip():
        raise FileRefused("Berkas kosong.")
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        table = _read_xlsx(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRefused("Berkas Excel lama (.xls) belum didukung. Simpan ulang sebagai .xlsx atau .csv.")
    elif name.endswith((".xlsx", ".xlsm")):
        raise FileRefused("Berkas bernama .xlsx tetapi isinya bukan XLSX yang sah.")
    else:
        table = _read_csv(data)
    return _tidy(table)


def _tidy(table: Table) -> Table:
    header = [("" if h is None else str(h)).strip().lstrip("\ufeff") for h in table.header]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise FileRefused("Baris pertama (judul kolom) kosong. Baris pertama harus berisi nama kolom.")
    if len(header) > MAX_COLUMNS:
        raise FileRefused(f"Terlalu banyak kolom ({len(header)}); paling banyak {MAX_COLUMNS}.")
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if not h:
            header[i] = h = f"kolom_{i + 1}"
        if h in seen:
            seen[h] += 1
            header[i] = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
    table.header = header
    # Ushahidi puts HXL hashtags in the second row ("#meta +id"): part of the header, not data.
    if table.rows and _is_hxl_row(table.rows[0]):
        table.rows.pop(0)
        table.row_numbers.pop(0)
        table.notes.append("Baris 2 berisi tag HXL dan dilewati.")
    # Trailing blank rows (Excel's formatted-but-empty rows) are not data.
    while table.rows and all(_blank(c) for c in table.rows[-1]):
        table.rows.pop()
        table.row_numbers.pop()
    if not table.rows:
        raise FileRefused("Berkas hanya berisi baris judul, tanpa baris data.")
    return table


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_hxl_row(row: list[Any]) -> bool:
    cells = [str(c).strip() for c in row if not _blank(c)]
    return bool(cells) and all(c.startswith("#") for c in cells)


# --------------------------------------------------------------------------- CSV


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) trying UTF-8 (with/without BOM), UTF-16 with BOM, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 BOM"
        except UnicodeDecodeError as exc:
            raise FileRefused("Berkas bertanda UTF-8 tetapi isinya rusak (byte tidak sah).") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise FileRefused("Berkas UTF-16 rusak.") from exc
    if b"\x00" in data[:4096]:
        raise FileRefused("Isi berkas bukan teks CSV (ada byte biner). Unggah berkas .csv atau .xlsx.")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    bad = text.count("\ufffd")
    if bad > max(20, len(text) // 50):
        raise FileRefused("Isi berkas tidak terbaca sebagai teks (bukan UTF-8 maupun Windows-1252).")
    return text, "Windows-1252"


def _sniff_delimiter(text: str) -> str:
    first = ""
    for line in text.splitlines():
        if line.strip():
            first = line
            break
    counts = {d: _count_outside_quotes(first, d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, ch: str) -> int:
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            n += 1
    return n


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise FileRefused("Isi berkas bukan teks CSV (ada karakter NUL).")
    delimiter = _sniff_delimiter(text)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        # strict: an unclosed quote must not silently swallow the rest of the file into one cell
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except StopIteration as exc:
            raise FileRefused("Berkas kosong.") from exc
        except csv.Error as exc:  # e.g. an unclosed quote in the header row (issue 8 fuzz)
            raise FileRefused(f"Baris 1 (judul kolom) tidak terbaca sebagai CSV ({exc}). "
                              "Periksa tanda kutip di baris itu.") from exc
        rows: list[list[Any]] = []
        numbers: list[int] = []
        try:
            for number, row in enumerate(reader, start=2):
                rows.append(row)
                numbers.append(number)
        except csv.Error as exc:
            raise FileRefused(f"Baris {len(rows) + 2} tidak terbaca sebagai CSV ({exc}). "
                              "Periksa tanda kutip di baris itu.") from exc
    finally:
        csv.field_size_limit(old_limit)
    return Table(header, rows, numbers, "csv", encoding, delimiter)


# --------------------------------------------------------------------------- XLSX


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # heavy; only when an XLSX arrives

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
            if "xl/workbook.xml" not in zf.namelist():
                raise FileRefused("Berkas ZIP ini bukan buku kerja XLSX.")
    except zipfile.BadZipFile as exc:
        raise FileRefused("Berkas XLSX rusak (bukan ZIP yang sah).") from exc
    if total > MAX_XLSX_UNCOMPRESSED:
        raise FileRefused("Isi XLSX terlalu besar setelah dibuka. Simpan sebagai CSV atau pecah berkasnya.")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise FileRefused(f"Berkas XLSX tidak bisa dibuka ({type(exc).__name__}).") from exc
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header_row = next(it, None)
        if header_row is None:
            raise FileRefused("Lembar pertama XLSX kosong.")
        width = len(header_row)
        rows: list[list[Any]] = []
        numbers: list[int] = []
        for number, row in enumerate(it, start=2):
            cells = list(row[:width]) + [None] * max(0, width - len(row))
            rows.append(cells)
            numbers.append(number)
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused(f"Lembar XLSX tidak terbaca ({type(exc).__name__}).") from exc
    finally:
        wb.close()
    notes = []
    if len(wb.sheetnames) > 1:
        notes.append(f"Hanya lembar pertama («{wb.sheetnames[0]}») yang dibaca.")
    return Table(list(header_row), rows, numbers, "xlsx", notes=notes)
