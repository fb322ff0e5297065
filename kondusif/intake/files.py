"""Read an uploaded spreadsheet into a header and rows, whatever Excel or KoboToolbox made of it.

CSV with comma, semicolon or tab; UTF-8, UTF-8 with BOM, UTF-16 (Excel's
"Unicode text") or Windows-1252; and XLSX (first sheet). Anything else - an
empty file, a header with no rows, an old .xls, a picture renamed .csv, a file
over the upload limit - is refused with a message in Bahasa Indonesia
(`FileRefused`), never a traceback.

Row numbers are the ones a spreadsheet shows: the header is row 1.

Limits are checked while reading, before the whole file is held (issue 13):
the XLSX sheet is decompressed as a stream and refused as soon as its XML
passes `MAX_XLSX_UNCOMPRESSED` or its rows pass `max_rows`; CSV rows are
counted as they are parsed. XLSX cells are read with python-calamine (Rust),
which measured faster than openpyxl (benchmarks/bench_import.py); only the
first sheet's used range is read. Imports call this inside the worker process
of `kondusif.intake.worker`, which adds CPU and memory limits.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from kondusif.config import settings

MAX_COLUMNS = 500
MAX_CELL_CHARS = 1_000_000
MAX_XLSX_UNCOMPRESSED = 400 * 1024 * 1024  # sheet XML after unzipping; a 50 MB upload stays well under
PROGRESS_EVERY = 10_000

# Set by the import worker: called with (stage, rows read so far) while a file is read.
progress_hook: Callable[[str, int], None] | None = None


def max_rows() -> int:
    """Most data rows one file may have (setting intake.import_max_rows)."""
    return int(settings().intake.import_max_rows)


def _progress(stage: str, rows: int) -> None:
    if progress_hook is not None:
        progress_hook(stage, rows)


def _too_many_rows(limit: int) -> FileRefused:
    return FileRefused(f"Berkas berisi lebih dari {limit:,} baris data; batasnya {limit:,} baris "
                       "per berkas. Pecah menjadi beberapa berkas.".replace(",", "."))


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


def _check_size(data: bytes, max_bytes: int | None = None) -> None:
    limit = settings().max_upload_bytes if max_bytes is None else max_bytes
    if len(data) > limit:
        raise FileRefused(f"Berkas terlalu besar ({_mb(len(data))}); batasnya {_mb(limit)}. "
                          "Pecah menjadi beberapa berkas.")
    if not data or not data.strip():
        raise FileRefused("Berkas kosong.")


def read_table(data: bytes, filename: str = "", max_bytes: int | None = None) -> Table:
    """Header and rows of a CSV or XLSX file given as bytes; raises FileRefused."""
    _check_size(data, max_bytes)
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


def _tidy(table: Table, require_rows: bool = True) -> Table:
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
    while require_rows and table.rows and all(_blank(c) for c in table.rows[-1]):
        table.rows.pop()
        table.row_numbers.pop()
    if require_rows and not table.rows:
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


_CODECS = {"UTF-8 BOM": "utf-8-sig", "UTF-8": "utf-8", "UTF-16": "utf-16", "Windows-1252": "cp1252"}


def _read_csv(data: bytes) -> Table:
    return next(_csv_chunks(data, None))


def _csv_chunks(data: bytes, chunk_rows: int | None) -> Iterator[Table]:
    """Tables of at most `chunk_rows` rows (all rows in one Table when None), parsed as they are read."""
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise FileRefused("Isi berkas bukan teks CSV (ada karakter NUL).")
    delimiter = _sniff_delimiter(text[:1_000_000])
    if encoding != "UTF-16":
        # Parse from the bytes, decoded as the rows are read: the whole text is not kept beside the rows.
        del text
        stream: io.TextIOBase = io.TextIOWrapper(io.BytesIO(data), encoding=_CODECS[encoding],
                                                 errors="replace", newline="")
    else:
        stream = io.StringIO(text, newline="")
    limit = max_rows()
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        # strict: an unclosed quote must not silently swallow the rest of the file into one cell
        reader = csv.reader(stream, delimiter=delimiter, strict=True)
        try:
            header = next(reader)
        except StopIteration as exc:
            raise FileRefused("Berkas kosong.") from exc
        except csv.Error as exc:  # e.g. an unclosed quote in the header row (issue 8 fuzz)
            raise FileRefused(f"Baris 1 (judul kolom) tidak terbaca sebagai CSV ({exc}). "
                              "Periksa tanda kutip di baris itu.") from exc
        rows: list[list[Any]] = []
        numbers: list[int] = []
        number = 1
        try:
            for number, row in enumerate(reader, start=2):
                if number - 1 > limit:
                    raise _too_many_rows(limit)
                rows.append(row)
                numbers.append(number)
                if number % PROGRESS_EVERY == 0:
                    _progress("membaca", number - 1)
                if chunk_rows is not None and len(rows) >= chunk_rows:
                    yield Table(header, rows, numbers, "csv", encoding, delimiter)
                    rows, numbers = [], []
        except csv.Error as exc:
            raise FileRefused(f"Baris {number + 1} tidak terbaca sebagai CSV ({exc}). "
                              "Periksa tanda kutip di baris itu.") from exc
    finally:
        csv.field_size_limit(old_limit)
    yield Table(header, rows, numbers, "csv", encoding, delimiter)


def read_table_chunks(data: bytes, filename: str = "", chunk_rows: int = 20_000) -> Iterator[Table]:
    """The rows `read_table` gives, as Tables of at most `chunk_rows` rows, for bounded memory.

    CSV is parsed as it streams; XLSX comes as one Table. The header, HXL and trailing-blank-row
    rules are those of `read_table`: blank rows at a chunk's end wait for the next chunk.
    """
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or \
            filename.lower().endswith((".xlsx", ".xlsm")):
        yield read_table(data, filename)
        return
    _check_size(data)
    held: Table | None = None
    first, produced = True, False
    header: list[str] = []
    notes: list[str] = []
    for chunk in _csv_chunks(data, chunk_rows):
        if held is not None:  # blank rows held back from the previous chunk are data after all
            chunk.rows[:0], chunk.row_numbers[:0] = held.rows, held.row_numbers
        if first:
            chunk = _tidy(chunk, require_rows=False)
            header, notes, first = chunk.header, chunk.notes, False
        else:
            chunk.header, chunk.notes = header, list(notes)
        cut = len(chunk.rows)
        while cut and all(_blank(c) for c in chunk.rows[cut - 1]):
            cut -= 1
        held = Table(header, chunk.rows[cut:], chunk.row_numbers[cut:], "csv")
        del chunk.rows[cut:], chunk.row_numbers[cut:]
        if chunk.rows:
            produced = True
            yield chunk
    if not produced:
        raise FileRefused("Berkas hanya berisi baris judul, tanpa baris data.")


# --------------------------------------------------------------------------- XLSX


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\b[^>]*>")
_RID = re.compile(rb"\bid=\"([^\"]+)\"")
_REL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>")


def _first_sheet_member(zf: zipfile.ZipFile) -> str:
    """Zip member of the workbook's first sheet (xl/workbook.xml order, through its relationships)."""
    names = set(zf.namelist())
    try:
        book = zf.read("xl/workbook.xml")[:1_000_000]
        rels = zf.read("xl/_rels/workbook.xml.rels")[:1_000_000]
        first = _SHEET_TAG.search(book)
        rid = cast(re.Match[bytes], _RID.search(first.group(0))).group(1) if first else None
        for rel in _REL.findall(rels):
            m_id = re.search(rb'\bId="([^"]+)"', rel)
            m_target = re.search(rb'\bTarget="([^"]+)"', rel)
            if m_id and m_target and m_id.group(1) == rid:
                target = m_target.group(1).decode("utf-8", "replace").lstrip("/")
                member = target if target.startswith("xl/") else "xl/" + target
                if member in names:
                    return member
    except (KeyError, AttributeError):
        pass
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not sheets:
        raise FileRefused("Buku kerja XLSX ini tidak berisi lembar.")
    return sheets[0]


def _scan_xlsx(data: bytes) -> bool:
    """Refuse a workbook whose first sheet unzips past the size cap or holds too many rows.

    Returns whether the sheet holds formulas (calamine reads only their cached values).

    The sheet XML is decompressed as a stream and only counted: a 3 MB "zip bomb" that
    unpacks to 800 MB is refused once the cap is passed, before any reader holds it.
    """
    cap, limit = MAX_XLSX_UNCOMPRESSED, max_rows()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                raise FileRefused("Berkas ZIP ini bukan buku kerja XLSX.")
            if sum(i.file_size for i in zf.infolist()) > 4 * cap:
                raise FileRefused(f"Isi XLSX lebih dari {_mb(4 * cap)} setelah dibuka; batasnya {_mb(cap)} "
                                  "untuk lembar pertama. Simpan sebagai CSV atau pecah berkasnya.")
            member = _first_sheet_member(zf)
            if zf.getinfo(member).file_size > cap:
                raise FileRefused(f"Lembar pertama XLSX lebih dari {_mb(cap)} setelah dibuka "
                                  f"({_mb(zf.getinfo(member).file_size)}); batasnya {_mb(cap)}. "
                                  "Simpan sebagai CSV atau pecah berkasnya.")
            seen = rows = 0
            formulas = False
            tail = b""
            with zf.open(member) as fh:
                while chunk := fh.read(1 << 20):
                    seen += len(chunk)
                    if seen > cap:
                        raise FileRefused(f"Lembar pertama XLSX lebih dari {_mb(cap)} setelah dibuka; "
                                          f"batasnya {_mb(cap)}. Simpan sebagai CSV atau pecah berkasnya.")
                    buf = tail + chunk
                    rows += len(_ROW_TAG.findall(buf)) - len(_ROW_TAG.findall(tail))
                    formulas = formulas or _FORMULA_TAG.search(buf) is not None
                    tail = buf[-64:]
                    if rows - 1 > limit:
                        raise _too_many_rows(limit)
                    _progress("membuka", rows)
    except zipfile.BadZipFile as exc:
        raise FileRefused("Berkas XLSX rusak (bukan ZIP yang sah).") from exc
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError) as exc:
        raise FileRefused(f"Berkas XLSX tidak bisa dibuka ({type(exc).__name__}).") from exc
    except Exception as exc:  # zlib.error and friends from a damaged member
        if isinstance(exc, FileRefused):
            raise
        raise FileRefused(f"Berkas XLSX rusak ({type(exc).__name__}).") from exc
    return formulas


def _read_xlsx(data: bytes) -> Table:
    formulas = _scan_xlsx(data)
    # A formula's text (=HYPERLINK(...)) is what a reviewer must see; calamine gives only its cached value.
    if settings().intake.xlsx_reader == "calamine" and not formulas:
        return _read_xlsx_calamine(data)
    return _read_xlsx_openpyxl(data)


def _calamine_cell(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # openpyxl's reading of a whole number cell; RT "3" not "3.0"
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # a date cell, as openpyxl gives it
    return value


def _read_xlsx_calamine(data: bytes) -> Table:
    from python_calamine import CalamineWorkbook  # Rust reader; only when an XLSX arrives

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = wb.sheet_names
        if not names:
            raise FileRefused("Buku kerja XLSX ini tidak berisi lembar.")
        sheet = wb.get_sheet_by_index(0)
        it = iter(sheet.iter_rows())
        header_row = next(it, None)
        if header_row is None or not any(c != "" for c in header_row):
            raise FileRefused("Lembar pertama XLSX kosong.")
        header_row = [_calamine_cell(c) for c in header_row]
        width = len(header_row)
        start = (sheet.start or (0, 0))[0] + 1  # a used range that starts below row 1
        rows: list[list[Any]] = []
        numbers: list[int] = []
        for number, row in enumerate(it, start=start + 1):
            cells = [_calamine_cell(c) for c in row[:width]] + [None] * max(0, width - len(row))
            rows.append(cells)
            numbers.append(number)
            if number % PROGRESS_EVERY == 0:
                _progress("membaca", number - 1)
    except FileRefused:
        raise
    except Exception as exc:  # calamine raises its own kinds for broken files
        raise FileRefused(f"Berkas XLSX tidak bisa dibaca ({type(exc).__name__}).") from exc
    notes = []
    if len(names) > 1:
        notes.append(f"Hanya lembar pertama («{names[0]}») yang dibaca.")
    return Table(cast(list[str], list(header_row)), rows, numbers, "xlsx", notes=notes)


def _read_xlsx_openpyxl(data: bytes) -> Table:
    import openpyxl  # heavy; only when an XLSX arrives

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
