"""Exports of the current filtered view: CSV, XLSX and GeoJSON.

The rows are exactly `store.query_incidents(engine, q, viewer)`: the same
filter, the same scope, the same private-column rule (reporter name and phone
only for roles with `Viewer.sees_identity`). Labels are human (Indonesian),
times are WIB. In the CSV files every text field that a spreadsheet could run as
a formula (=, +, -, @, tab, CR) is neutralised with `kondusif.safe`; the XLSX
writes text as string cells, which no spreadsheet runs, so it needs no
apostrophe (issue 30). Spreadsheets show RT as "06" and phone numbers as people
write them ("0812-3456-7890": text in Excel, no leading 0 lost). The file name
says the period and the filter.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.engine import Engine
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

from kondusif import store
from kondusif.model import (
    CATEGORY_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    Category,
    Severity,
    Source,
    Status,
    Viewer,
)
from kondusif.phone import national_form
from kondusif.safe import FORMULA_PREFIXES, neutralise_cell
from kondusif.timeutil import WIB, format_wib, now, to_wib
from lubuklinggau_geo import gazetteer

# (key, label); keys name GeoJSON properties, labels head CSV/XLSX columns.
COLUMNS: list[tuple[str, str]] = [
    ("no_laporan", "No. laporan"),
    ("waktu_kejadian", "Waktu kejadian (WIB)"),
    ("waktu_lapor", "Waktu dilaporkan (WIB)"),
    ("kecamatan", "Kecamatan"),
    ("kelurahan", "Kelurahan"),
    ("kode_kelurahan", "Kode kelurahan"),
    ("rt", "RT"),
    ("kategori", "Kategori"),
    ("tingkat", "Tingkat"),
    ("status", "Status"),
    ("judul", "Judul"),
    ("uraian", "Uraian"),
    ("lintang", "Lintang"),
    ("bujur", "Bujur"),
    ("lokasi_perkiraan", "Lokasi perkiraan"),
    ("sumber", "Sumber"),
    ("nama_pelapor", "Nama pelapor"),
    ("telepon_pelapor", "Telepon pelapor"),
    ("diserahkan_kepada", "Diserahkan kepada"),
    ("tenggat", "Tenggat tindak lanjut (WIB)"),
    ("hasil", "Hasil"),
    ("duplikat_dari", "Duplikat dari"),
    ("kemungkinan_duplikat", "Kemungkinan duplikat"),
    ("diperbarui", "Terakhir diubah (WIB)"),
]
LABELS = dict(COLUMNS)
IDENTITY_KEYS = ("nama_pelapor", "telepon_pelapor")
TIME_KEYS = ("waktu_kejadian", "waktu_lapor", "tenggat", "diperbarui")
MAX_NAME = 150

MIME = {
    "csv": "text/csv",
    "csv-excel": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


# What each download is, in the words the page shows (issue 12: say which file is which).
FORMAT_LABELS = {
    "csv": "CSV (pemisah koma)",
    "csv-excel": "CSV untuk Excel Indonesia (pemisah titik koma)",
    "xlsx": "Excel (XLSX)",
    "geojson": "GeoJSON",
}
FORMAT_BUTTONS = {"csv": "CSV (,)", "csv-excel": "CSV Excel (;)", "xlsx": "XLSX", "geojson": "GeoJSON"}
FORMAT_HELP = {
    "csv": "standar: untuk LibreOffice, Google Sheets, Python/R",
    "csv-excel": "dibuka langsung oleh Excel berbahasa Indonesia; desimal pakai koma",
}
RT_PREFIX_EXCEL = "RT "  # "RT 06": digits alone would become the number 6 in Excel
EXCEL_SUFFIX = "_excel-titik-koma"
# Characters a spreadsheet may split a CSV line on (issue 12: Indonesian Excel splits on ";").
SPLIT_CHARS = ";,\t|"
_SPLIT_CHAR = re.compile("[" + re.escape(SPLIT_CHARS) + "]")
_FORMULA_AFTER_SPLIT = re.compile(r"([;,\t|][ ]*)(?=[=+@]|-\S)")


def formats_note() -> str:
    """One line telling which CSV file is which, for the page above the download buttons."""
    return (f"«{FORMAT_BUTTONS['csv-excel']}»: {FORMAT_LABELS['csv-excel']}, {FORMAT_HELP['csv-excel']}. "
            f"«{FORMAT_BUTTONS['csv']}»: {FORMAT_LABELS['csv']}, {FORMAT_HELP['csv']}.")


def neutralise_text(value: Any) -> Any:
    """`safe.neutralise_cell`, and also after every delimiter a spreadsheet may split on.

    "Amplop;=1+1;@SUM(9)" -> "Amplop;'=1+1;'@SUM(9)": whichever of ; , tab | the
    spreadsheet splits on, no piece begins with =, +, -, @. Numbers stay numbers.
    """
    if not isinstance(value, str):
        return value
    if _SPLIT_CHAR.search(value):
        value = _FORMULA_AFTER_SPLIT.sub(r"\1'", value)
    return neutralise_cell(value) if value.startswith(FORMULA_PREFIXES) else value


def _map_text(series: pd.Series, fn) -> pd.Series:
    """`series.map(fn)` for a function of text cells only (other cells pass unchanged), called once
    per distinct text: 100,000 rows repeat the same labels, kelurahan and times (issue 14)."""
    values = series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    if all(type(u) is str for u in uniques):  # else 1, 1.0 and True would share one code
        mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
        out = mapped[codes]  # code -1 (a missing cell) picks the None at the end...
        missing = codes < 0
        out[missing] = values[missing]  # ...and gets its own missing value back
    else:
        out = np.array([fn(v) if type(v) is str else v for v in values], dtype=object)
    return pd.Series(out, index=series.index, dtype=object)


def _minute_text(series: pd.Series) -> pd.Series:
    """Times as 'YYYY-MM-DD HH:MM' text, NaN when missing: `.dt.strftime` in one numpy call."""
    times = pd.to_datetime(series)
    if not len(times):
        return times.dt.strftime("%Y-%m-%d %H:%M").astype(object)
    text = np.datetime_as_string(times.dt.floor("min").to_numpy(dtype="datetime64[m]"), unit="m").astype("U16")
    text.view("U1").reshape(-1, 16)[:, 10] = " "  # 'YYYY-MM-DDTHH:MM' -> 'YYYY-MM-DD HH:MM'
    out = pd.Series(text, index=series.index).astype(object)
    return out.where(times.notna(), float("nan"))


def _labels(series: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Human labels for stored keys (vectorised); an unknown key is kept as it is."""
    out = series.map(mapping)
    return out.where(out.notna(), series).astype(object)


def _yes_no(series: pd.Series) -> pd.Series:
    return series.fillna(False).astype(bool).map({True: "ya", False: "tidak"}).astype(object)


def _wib_naive(series: pd.Series) -> pd.Series:
    """UTC timestamps -> naive WIB wall-clock times (what a spreadsheet shows)."""
    s = pd.to_datetime(series, utc=True)
    return s.dt.tz_convert(WIB).dt.tz_localize(None)


def _report_numbers(engine: Engine, ids: Iterable[str]) -> dict[str, str]:
    ids = sorted({i for i in ids if isinstance(i, str) and i})
    out: dict[str, str] = {}
    c = store.incidents.c
    with engine.connect() as conn:
        for lo in range(0, len(ids), 500):
            chunk = ids[lo:lo + 500]
            out.update({r.id: r.report_no for r in conn.execute(sa.select(c.id, c.report_no).where(c.id.in_(chunk)))})
    return out


STORED_TIMES = ("occurred_at", "reported_at", "updated_at", "followup_due")


# Stored columns export_frame uses; the others (id, source_ref, version, created_by) are not read.
EXPORT_SOURCE_COLUMNS = ("report_no", "kode_kecamatan", "kode_kelurahan", "rt", "category", "severity", "status",
                         "title", "description", "occurred_at", "reported_at", "lat", "lon", "location_approx",
                         "source", "reporter_name", "reporter_phone", "followup_to", "followup_due", "outcome",
                         "duplicate_of", "possible_duplicate", "updated_at")
# Text columns export_frame passes through unchanged: built as pandas infers them (str dtype).
PASSED_THROUGH = ("report_no", "kode_kelurahan")


def _text_column(values: list) -> pd.Series:
    """A text column as pandas would infer it from `values`, without the Arrow round trip
    (issue 14): object dtype, a missing cell NaN when any cell is text (pandas' str dtype
    turned object), None when none is (pandas keeps such a column object)."""
    if any(isinstance(v, str) for v in values):
        nan = float("nan")
        values = [nan if v is None else v for v in values]
    return pd.Series(values, dtype=object)


def _query_rows(engine: Engine, q: store.IncidentQuery | None, viewer: Viewer) -> pd.DataFrame:
    """`store.query_incidents(engine, q, viewer)`'s rows, order, scope and identity rule, for the
    columns export_frame uses, built fast for big exports (issue 14): the driver's plain tuples,
    one column at a time; on SQLite the stored UTC time text parsed in one vectorised call."""
    stmt = store.incidents_select(q or store.IncidentQuery(), viewer, columns=EXPORT_SOURCE_COLUMNS)
    stmt = stmt.order_by(store.incidents.c.occurred_at.desc(), store.incidents.c.report_no)
    if engine.dialect.name == "sqlite":
        stmt = stmt.with_only_columns(
            *[sa.type_coerce(c, sa.String).label(c.name) if c.name in STORED_TIMES else c
              for c in stmt.selected_columns],
            maintain_column_froms=True,
        )
    columns_by_name = {c.name: c for c in stmt.selected_columns}
    with engine.connect() as conn:
        result = conn.execute(stmt)
        names = list(result.keys())
        cursor = getattr(result, "cursor", None)
        rows = cursor.fetchall() if cursor is not None else [tuple(r) for r in result.fetchall()]
        processors = {name: columns_by_name[name].type.result_processor(conn.dialect, None) for name in names}
    if not rows:
        return pd.DataFrame({name: [] for name in names})
    data = {}
    for name, column in zip(names, zip(*rows, strict=True), strict=True):
        values: list[Any] = list(column)
        process = processors[name]
        if cursor is not None and process is not None:  # e.g. SQLite's 0/1 -> bool
            values = [process(v) for v in values]
        if isinstance(columns_by_name[name].type, sa.String) and name not in PASSED_THROUGH:
            data[name] = _text_column(values)
        else:
            data[name] = values
    df = pd.DataFrame(data)
    for col in STORED_TIMES:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    return df


def export_frame(engine: Engine, q: store.IncidentQuery | None, viewer: Viewer) -> pd.DataFrame:
    """The filtered view as export rows (keys of COLUMNS; times as naive WIB datetimes).

    Rows are `store.query_incidents(engine, q, viewer)` in the same order; the
    reporter columns exist only when the viewer may see identity.
    """
    raw = _query_rows(engine, q, viewer)
    return frame_from_rows(raw, viewer, _report_numbers(engine, raw.get("duplicate_of", pd.Series(dtype=object))))


def frame_from_rows(raw: pd.DataFrame, viewer: Viewer, dup_numbers: dict[str, str] | None = None) -> pd.DataFrame:
    """Export rows from incident rows as the store returns them (already scoped)."""
    kel = gazetteer.kelurahan().set_index("kode")
    kec = gazetteer.kecamatan().set_index("kode")["nama"]
    dup_numbers = dup_numbers or {}
    n = len(raw)

    def col(name: str, default: Any = None) -> pd.Series:
        return raw[name] if name in raw.columns else pd.Series([default] * n, index=raw.index, dtype=object)

    out = pd.DataFrame(index=raw.index)
    out["no_laporan"] = col("report_no")
    out["waktu_kejadian"] = _wib_naive(col("occurred_at"))
    out["waktu_lapor"] = _wib_naive(col("reported_at"))
    out["kecamatan"] = col("kode_kecamatan").map(kec).astype(object)
    out["kelurahan"] = col("kode_kelurahan").map(kel["nama"]).astype(object)
    out["kode_kelurahan"] = col("kode_kelurahan")
    out["rt"] = col("rt").astype("Int64") if n else col("rt")
    cats = {c.value: CATEGORY_LABELS[c] for c in Category}
    sevs = {s.value: s.label for s in Severity}
    stats = {s.value: STATUS_LABELS[s] for s in Status}
    srcs = {s.value: SOURCE_LABELS[s] for s in Source}
    out["kategori"] = _labels(col("category"), cats)
    out["tingkat"] = _labels(col("severity"), sevs)
    out["status"] = _labels(col("status"), stats)
    out["judul"] = col("title").astype(object)
    out["uraian"] = col("description").astype(object)
    out["lintang"] = col("lat")
    out["bujur"] = col("lon")
    out["lokasi_perkiraan"] = _yes_no(col("location_approx"))
    out["sumber"] = _labels(col("source"), srcs)
    if viewer.sees_identity and "reporter_name" in raw.columns:
        out["nama_pelapor"] = col("reporter_name").astype(object)
        out["telepon_pelapor"] = col("reporter_phone").astype(object)
    out["diserahkan_kepada"] = col("followup_to").astype(object)
    out["tenggat"] = _wib_naive(col("followup_due"))
    out["hasil"] = col("outcome").astype(object)
    out["duplikat_dari"] = _labels(col("duplicate_of"), dup_numbers)
    out["kemungkinan_duplikat"] = _yes_no(col("possible_duplicate"))
    out["diperbarui"] = _wib_naive(col("updated_at"))
    return out.reset_index(drop=True)


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=LABELS)


# --------------------------------------------------------------------------- formats


def to_csv_bytes(frame: pd.DataFrame, excel: bool = False) -> bytes:
    """UTF-8 with BOM (Excel opens it right), times as 'YYYY-MM-DD HH:MM' WIB, every text field quoted
    and neutralised, also after any delimiter inside it (`neutralise_text`).

    ``excel``: ``;`` between fields and decimal commas, what Excel in an Indonesian
    locale expects (it splits CSV on ``;``); the default is the standard comma file.
    """
    out = spreadsheet_text_columns(frame, RT_PREFIX_EXCEL if excel else "")
    for key in TIME_KEYS:
        if key in out.columns:
            out[key] = _minute_text(out[key])
    out = _labelled(out)
    made_here = {LABELS[k] for k in TIME_KEYS}  # 'YYYY-MM-DD HH:MM': never a formula, no delimiter
    for col in out.columns:
        s = out[col]
        if col in made_here:
            continue
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            # neutralise_text includes neutralise_cell
            out[col] = _map_text(s, neutralise_text)
    out.columns = [neutralise_text(neutralise_cell(c)) for c in out.columns]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n", delimiter=";" if excel else ",")
    writer.writerow(out.columns)
    writer.writerows(zip(*(_csv_cells(out[col], excel) for col in out.columns), strict=True))
    return buf.getvalue().encode("utf-8-sig")


def rt_text(series: pd.Series, prefix: str = "") -> pd.Series:
    """RT numbers as two-digit text ("06", or "RT 06" with `prefix`); a missing RT stays missing."""
    values = series.astype(object).tolist()
    return pd.Series([None if v is None or v is pd.NA or v != v else f"{prefix}{int(v):02d}" for v in values],
                     index=series.index, dtype=object)


def spreadsheet_text_columns(frame: pd.DataFrame, rt_prefix: str = "") -> pd.DataFrame:
    """The RT and phone columns as a spreadsheet must keep them: text, leading 0 included (issue 30)."""
    out = frame.copy()
    if "rt" in out.columns:
        out["rt"] = rt_text(out["rt"], rt_prefix)
    if "telepon_pelapor" in out.columns:
        out["telepon_pelapor"] = _map_text(out["telepon_pelapor"], national_form)
    return out


def _csv_cells(s: pd.Series, excel: bool) -> list:
    """One column's fields for csv.writer (QUOTE_NONNUMERIC), as pandas' to_csv wrote them before
    issue 14 (na_rep "", decimal "," for Excel): text quoted; numbers bare, except that with a
    decimal comma a float becomes quoted text; a missing cell is a quoted empty field."""
    if pd.api.types.is_float_dtype(s.dtype):
        if excel:
            return ["" if v != v else repr(v).replace(".", ",") for v in s.tolist()]
        return ["" if v != v else v for v in s.tolist()]
    if pd.api.types.is_integer_dtype(s.dtype):
        return [int(v) for v in s.tolist()] if not s.hasnans else ["" if v is pd.NA or v != v else int(v)
                                                                  for v in s.astype(object).tolist()]
    missing = s.isna().to_numpy()
    values = s.astype(object).tolist()
    return ["" if m else v for v, m in zip(values, missing.tolist(), strict=True)] if missing.any() else values


def _plain_columns(frame: pd.DataFrame, iso_times: bool = False) -> pd.DataFrame:
    """Object columns of plain Python values: None for missing, ints not numpy ints, times as
    naive WIB datetimes (or ISO text with +07:00 when `iso_times`)."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if col in TIME_KEYS:
            times = pd.to_datetime(s)
            if iso_times and not len(times):
                values = times.dt.strftime("%Y-%m-%dT%H:%M:%S+07:00").astype(object)
            elif iso_times:  # .dt.strftime("%Y-%m-%dT%H:%M:%S+07:00") in one numpy call
                text = np.datetime_as_string(times.dt.floor("s").to_numpy(dtype="datetime64[s]"), unit="s")
                values = pd.Series(np.char.add(text, "+07:00"), index=s.index).astype(object)
            else:
                values = pd.Series(times.dt.to_pydatetime(), index=s.index, dtype=object)
        else:
            values = s.astype(object)  # numpy scalars become Python int/float/str
        out[col] = values.where(s.notna(), None)
    return out


XLSX_STRMAX = 32767  # xlsxwriter's Worksheet.xls_strmax
_xml_escape_control = XMLwriter._escape_control_characters
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_TIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # what openpyxl gave datetime cells before issue 14


def _xlsx_columns(frame: pd.DataFrame) -> list[tuple[bool, list]]:
    """Per column (is_time, cell values): text (string cells: never a formula, so no apostrophe),
    Python numbers, Excel day serials for times (naive WIB wall clock), None for an empty cell."""
    safe = spreadsheet_text_columns(frame)
    out = []
    for key in frame.columns:
        s = safe[key]
        if key in TIME_KEYS:
            days = (pd.to_datetime(s) - EXCEL_EPOCH) / pd.Timedelta(days=1)
            out.append((True, [None if v != v else v for v in days.tolist()]))
        else:
            values = s.astype(object).where(s.notna(), None).tolist()
            if any(isinstance(v, str) and (v == "" or "\r" in v) for v in values):
                # As the openpyxl writer before issue 14 left them in the file: an empty
                # text is no cell, and CR/CRLF read back as LF (XML line-end handling).
                values = [(v.replace("\r\n", "\n").replace("\r", "\n") or None) if isinstance(v, str) else v
                          for v in values]
            out.append((False, values))
    return out


def _write_rows(ws, columns: list[tuple[bool, list]], when) -> None:
    """Data rows through xlsxwriter's own cell writers (any xlsxwriter version)."""
    times = [is_time for is_time, _ in columns]
    # The checked writers behind write_string/write_number: the public ones only add A1-notation parsing.
    write_number = ws._write_number
    for r, values in enumerate(zip(*(v for _, v in columns), strict=True), start=1):
        for c, v in enumerate(values):
            if v is None:
                continue
            if times[c]:
                write_number(r, c, v, when)
            elif isinstance(v, str):
                write_rich_safe_string(ws, r, c, v)
            else:
                write_number(r, c, v)


def write_rich_safe_string(ws, r: int, c: int, v: str) -> None:
    """write_string, except for text looking like xlsxwriter's rich-string XML ("<r>…</r>"):
    in constant_memory mode xlsxwriter copies such text into the sheet as raw XML, so a report
    title could add cells, formulas included. Through its writers it gets an apostrophe in
    front (like formula-like text); the bulk writer below escapes it instead."""
    if v.startswith("<r>") and v.endswith("</r>"):
        v = "'" + v
    ws._write_string(r, c, v)


# The sheet XML of the data rows is written here in bulk, exactly as xlsxwriter FAST_XLSX_VERSION
# writes it cell by cell in constant_memory mode (2.4 million cells: ~9 s there, ~1 s here);
# another xlsxwriter version falls back to its own writers. tests/workbench/test_export_bytes.py
# pins the bytes.
FAST_XLSX_VERSION = "3.3.1"
_XLSX_PLAIN = re.compile(r"[&<>\x00-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


def _inline_string_body(v: str) -> str:
    """What follows '<c r="A2"' for a text cell, as xlsxwriter's _write_cell writes an inline
    string, except that "<r>…</r>" text is escaped like any other (see write_rich_safe_string)."""
    if len(v) > XLSX_STRMAX // 2 and _utf16_len(v) > XLSX_STRMAX:
        v = _utf16_truncate(v, XLSX_STRMAX)
    if _XLSX_PLAIN.search(v) is None and not (v[:1].isspace() or v[-1:].isspace()):
        return f' t="inlineStr"><is><t>{v}</t></is></c>'
    v = _xml_escape_control(v)
    preserve = ' xml:space="preserve"' if _preserve_whitespace(v) else ""
    v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' t="inlineStr"><is><t{preserve}>{v}</t></is></c>'


def _write_rows_fast(ws, columns: list[tuple[bool, list]], when) -> None:
    """Rows 2.. of the sheet written straight into the worksheet's constant_memory row file."""
    n = len(columns[0][1])
    ws._write_single_row(n + 1)  # the header row goes out first (formats get their indexes in use order)
    time_xf = when._get_xf_index()
    rows = [str(r) for r in range(2, n + 2)]
    time_head = f' s="{time_xf}"><v>' if time_xf else "><v>"
    cells_by_col = []
    for c, (is_time, values) in enumerate(columns):
        letter = xl_col_to_name(c)
        bodies: dict = {}
        cells = []
        for r, v in zip(rows, values, strict=True):
            if v is None:
                cells.append("")
                continue
            if is_time:
                body = f"{time_head}{v:.16G}</v></c>"
            elif isinstance(v, str):
                known = bodies.get(v)
                body = known if known is not None else bodies.setdefault(v, _inline_string_body(v))
            else:
                if v != v or v in (float("inf"), float("-inf")):
                    raise ValueError("NaN/inf in a number cell")  # xlsxwriter refuses them too
                body = f"><v>{v:.16G}</v></c>"
            cells.append(f'<c r="{letter}{r}"{body}')
        cells_by_col.append(cells)
    fh = ws.fh
    for r, row_cells in zip(rows, zip(*cells_by_col, strict=True), strict=True):
        fh.write(f'<row r="{r}">{"".join(row_cells)}</row>')
    ws.dim_rowmax = n
    ws.dim_colmax = max(ws.dim_colmax, len(columns) - 1)


def column_widths(frame: pd.DataFrame, sample: int = 2000) -> list[float]:
    """Excel column widths (characters) that fit the heading and the first `sample` cells, 8 to 60."""
    widths = []
    for key in frame.columns:
        longest = len(LABELS.get(key, key))
        if key in TIME_KEYS:
            longest = max(longest, 16)
        else:
            head = frame[key].head(sample)
            texts = head[head.notna()].astype(str)
            if len(texts):
                longest = max(longest, int(texts.str.len().max()))
        widths.append(float(min(max(longest + 2, 8), 60)))
    return widths


def to_xlsx_bytes(frame: pd.DataFrame, about: list[tuple[str, str]] | None = None) -> bytes:
    """One sheet of rows (times as real dates, WIB wall clock), plus a 'Keterangan' sheet about the view.

    Cells are written as strings, numbers or dates only (never write() guessing a
    formula), so no cell can become a formula and text needs no apostrophe. Columns
    are sized to their contents and the heading row carries Excel's filter buttons.
    xlsxwriter in constant_memory mode streams rows to disk (issue 14: 100,000 rows
    in seconds, where openpyxl's write-only mode took a minute).
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "in_memory": False, "tmpdir": tempfile.gettempdir()})
    bold = wb.add_format({"bold": True})
    when = wb.add_format({"num_format": EXCEL_TIME_FORMAT})
    ws = wb.add_worksheet("Insiden")  # numbers as 16 significant digits, as openpyxl wrote them
    ws.freeze_panes(1, 1)
    columns = _xlsx_columns(frame)
    for c, width in enumerate(column_widths(spreadsheet_text_columns(frame))):
        ws.set_column(c, c, width)
    for c, key in enumerate(frame.columns):
        ws.write_string(0, c, LABELS.get(key, key), bold)
    if len(frame.columns):
        ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    # Past Excel's 1,048,576 rows xlsxwriter drops the cells; its own writers keep that behaviour.
    if xlsxwriter.__version__ == FAST_XLSX_VERSION and 0 < len(frame) < ws.xls_rowmax:
        _write_rows_fast(ws, columns, when)
    else:
        _write_rows(ws, columns, when)
    info = wb.add_worksheet("Keterangan")
    info.set_column(0, 0, 20)
    info.set_column(1, 1, 60)
    for r, (k, v) in enumerate(about or []):
        info.write_string(r, 0, str(k))
        info.write_string(r, 1, str(v))
    wb.close()
    return buf.getvalue()


def to_geojson_bytes(frame: pd.DataFrame, name: str = "insiden") -> bytes:
    """A FeatureCollection, one feature per row; geometry null when the report has no location."""
    plain = _plain_columns(frame, iso_times=True)
    keys = [c for c in plain.columns if c not in ("lintang", "bujur")]
    # dict per row from column lists (plain Python values already): to_dict("records") boxes every cell.
    props = [dict(zip(keys, row, strict=True)) for row in zip(*(plain[k].tolist() for k in keys), strict=True)]
    lats = plain["lintang"].tolist() if "lintang" in plain.columns else [None] * len(plain)
    lons = plain["bujur"].tolist() if "bujur" in plain.columns else [None] * len(plain)
    features = [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None,
         "properties": p}
        for p, lat, lon in zip(props, lats, lons, strict=True)
    ]
    doc = {"type": "FeatureCollection", "name": name, "features": features}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- naming


def _safe_part(text: str) -> str:
    part = re.sub(r"[^A-Za-z0-9._]+", "-", text)
    return re.sub(r"\.{2,}", ".", part).strip("-._")


def period_label(q: store.IncidentQuery | None) -> str:
    """'2018-06-18_2018-06-24' (WIB days, end inclusive) or 'semua-waktu'."""
    if q is None or (q.start is None and q.end is None):
        return "semua-waktu"
    first = to_wib(q.start).date().isoformat() if q.start else "awal"
    last = (to_wib(q.end - timedelta(microseconds=1)).date().isoformat()) if q.end else "kini"
    return f"{first}_{last}"


def export_filename(q: store.IncidentQuery | None, viewer: Viewer, ext: str, kind: str = "insiden") -> str:
    """e.g. insiden_2018-06-18_2018-06-24_kec-16.73.05.csv; safe characters only, bounded length.

    ``ext`` "csv-excel" names the ``;`` file: ``…_excel-titik-koma.csv``.
    """
    if ext == "csv-excel":
        return export_filename(q, viewer, "csv", kind)[:-4] + EXCEL_SUFFIX + ".csv"
    q = q or store.IncidentQuery()
    parts = [kind, period_label(q)]
    kecamatan = q.kecamatan or ((viewer.kecamatan,) if viewer.kecamatan else None)
    for prefix, values in (
        ("kec", kecamatan),
        ("kel", q.kelurahan),
        ("rt", q.rt),
        ("kat", q.category),
        ("tingkat", q.severity),
        ("status", q.status),
        ("sumber", q.source),
    ):
        if values:
            parts.append(f"{prefix}-" + "-".join(_safe_part(str(v)) for v in values))
    if q.text:
        parts.append("cari-" + _safe_part(q.text)[:30])
    stem = "_".join(p for p in parts if p)
    stem = re.sub(r"[^A-Za-z0-9._-]", "", stem)
    if len(stem) > MAX_NAME:
        digest = hashlib.sha1(stem.encode()).hexdigest()[:8]
        stem = f"{stem[:MAX_NAME - 9]}-{digest}"
    return f"{stem}.{ext}"


def describe(q: store.IncidentQuery | None, viewer: Viewer, rows: int, simulated: bool) -> list[tuple[str, str]]:
    """What the 'Keterangan' sheet says about the view."""
    q = q or store.IncidentQuery()
    out = [
        ("Aplikasi", "SiKondusif Lubuklinggau"),
        ("Dibuat", format_wib(now())),
        ("Oleh", f"{viewer.display_name or viewer.username} ({viewer.role.label})"),
        ("Periode (WIB)", period_label(q).replace("_", " s.d. ")),
        ("Jumlah baris", str(rows)),
    ]
    for label, values in (("Kecamatan", q.kecamatan or ((viewer.kecamatan,) if viewer.kecamatan else None)),
                          ("Kelurahan", q.kelurahan), ("RT", q.rt), ("Kategori", q.category),
                          ("Tingkat", q.severity), ("Status", q.status), ("Sumber", q.source)):
        if values:
            out.append((label, ", ".join(str(v) for v in values)))
    if q.text:
        out.append(("Kata kunci", q.text))
    if not viewer.sees_identity:
        out.append(("Identitas pelapor", "tidak disertakan untuk peran ini"))
    if simulated:
        out.append(("PERHATIAN", "Berisi data SIMULASI (sumber «Simulasi»): bukan kejadian nyata."))
    return out


def export(engine: Engine, q: store.IncidentQuery | None, viewer: Viewer, fmt: str) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of the filtered view in `fmt` (csv, xlsx, geojson)."""
    frame = export_frame(engine, q, viewer)
    name = export_filename(q, viewer, fmt)
    if fmt == "csv":
        data = to_csv_bytes(frame)
    elif fmt == "csv-excel":
        data = to_csv_bytes(frame, excel=True)
    elif fmt == "xlsx":
        simulated = bool(len(frame)) and bool((frame["sumber"] == SOURCE_LABELS[Source.SIMULASI]).any())
        data = to_xlsx_bytes(frame, describe(q, viewer, len(frame), simulated))
    elif fmt == "geojson":
        data = to_geojson_bytes(frame, name.rsplit(".", 1)[0])
    else:
        raise ValueError(f"Format ekspor tidak dikenal: {fmt!r} (pilih csv, csv-excel, xlsx atau geojson)")
    return name, data, MIME[fmt]
