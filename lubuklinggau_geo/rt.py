"""RT registry: a CSV the admin imports from Bagian Pemerintahan Setda.

Schema (header row required, "," or ";" separated, UTF-8)::

    kode_kelurahan,rt,nama_ketua,telepon,lat,lon[,contoh]

``kode_kelurahan`` may be a code ("16.73.01.1001", "1673011001") or a name
("Kel. Air Kuti"), resolved through the name matcher. ``rt`` is a positive
integer ("3", "03", "RT 03"). ``lat``/``lon`` are optional but must come
together, be numbers, and (when boundaries are installed) lie inside that
kelurahan. Rows with any error are left out and reported with their row
number as a spreadsheet shows it (the header is row 1).

No public RT list exists: the shipped ``data/rt_contoh.csv`` (522 RT) is a
SAMPLE so the app runs out of the box; every row has ``contoh`` = true and
the app must show ``SAMPLE_NOTICE`` wherever it is used.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO

import pandas as pd

from .gazetteer import _kel_index, normalize_kelurahan_code
from .names import match_kelurahan

COLUMNS = ["kode_kelurahan", "rt", "nama_ketua", "telepon", "lat", "lon"]
REQUIRED = ["kode_kelurahan", "rt"]
SAMPLE_FILE = "rt_contoh.csv"
SAMPLE_NOTICE = (
    "Daftar RT ini adalah CONTOH (bukan data resmi Setda): jumlah RT, nama ketua dan titik "
    "lokasinya dibuat untuk uji coba. Ganti dengan daftar resmi dari Bagian Pemerintahan Setda "
    "Kota Lubuklinggau."
)
_TRUE = {"1", "true", "ya", "y", "yes", "benar"}
_RT_RE = re.compile(r"^(?:rt\.?\s*)?(\d{1,12})(?:\.0+)?$", re.IGNORECASE)
MAX_RT = 9999  # RT numbers are small; a longer one is a typo or another column


@dataclass(frozen=True)
class RowError:
    """One problem in the file: row number (header = 1), column, message in Indonesian."""

    baris: int
    kolom: str
    pesan: str

    def __str__(self) -> str:
        return f"Baris {self.baris}, kolom {self.kolom}: {self.pesan}"


@dataclass
class RegistryResult:
    """Valid rows (``df``) and the problems found (``errors``)."""

    df: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_frame(self) -> pd.DataFrame:
        """Errors as a table (baris, kolom, pesan) for display."""
        return pd.DataFrame([e.__dict__ for e in self.errors], columns=["baris", "kolom", "pesan"])


def _empty() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS + ["contoh"]})
    return _typed(df)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["rt"] = df["rt"].astype("int64")
    df["lat"] = df["lat"].astype("float64")
    df["lon"] = df["lon"].astype("float64")
    df["contoh"] = df["contoh"].astype(bool)
    for c in ("kode_kelurahan", "nama_ketua", "telepon"):
        df[c] = df[c].astype(object)
    return df[COLUMNS + ["contoh"]].reset_index(drop=True)


def _read_text(source: str | Path | IO[str] | IO[bytes]) -> str:
    if hasattr(source, "read"):
        data = source.read()
    else:
        data = Path(source).read_bytes()
    if isinstance(data, bytes):
        raw = data
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = raw.decode("cp1252", errors="replace")  # Excel on Windows
    return data.lstrip("\ufeff")


def _number(text: str) -> float | None:
    t = text.strip().replace(" ", "")
    if "," in t and "." not in t:
        t = t.replace(",", ".")  # Indonesian decimal comma
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _kelurahan_cell(value: str) -> tuple[str | None, str | None]:
    code = normalize_kelurahan_code(value)
    if code is not None:
        return (code, None) if code in _kel_index() else (None, f"kode kelurahan {value!r} tidak dikenal")
    m = match_kelurahan(value)
    if m.code is not None:
        return m.code, None
    if m.kind == "ambiguous":
        return None, f"kelurahan {value!r} tidak jelas: bisa berarti {', '.join(m.candidates)}"
    hint = f"; mungkin maksud Anda: {', '.join(m.candidates)}" if m.candidates else ""
    return None, f"kelurahan {value!r} tidak dikenal{hint}"


def load_registry(source: str | Path | IO[str] | IO[bytes], check_points: bool = True) -> RegistryResult:
    """Read and validate an RT registry CSV; good rows are kept, each error reported by row.

    ``check_points`` tests lat/lon against the installed kelurahan polygons
    (skipped silently when no boundaries are installed).
    """
    text = _read_text(source)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return RegistryResult(_empty(), [RowError(1, "-", "berkas kosong atau tanpa baris judul")])
    delim = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    header = [h.strip().lower() for h in next(reader)]
    missing_cols = [c for c in REQUIRED if c not in header]
    if missing_cols:
        return RegistryResult(_empty(), [RowError(1, c, "kolom wajib tidak ada di baris judul")
                                         for c in missing_cols])
    col = {name: header.index(name) for name in header if name}
    errors: list[RowError] = []
    good: list[dict] = []
    seen: dict[tuple[str, int], int] = {}
    rows_read = 0
    for baris, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        rows_read += 1

        def cell(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        row_errors: list[RowError] = []
        kel_raw = cell("kode_kelurahan")
        code = None
        if not kel_raw:
            row_errors.append(RowError(baris, "kode_kelurahan", "wajib diisi"))
        else:
            code, msg = _kelurahan_cell(kel_raw)
            if msg:
                row_errors.append(RowError(baris, "kode_kelurahan", msg))
        rt_raw = cell("rt")
        rt = None
        m = _RT_RE.match(rt_raw)
        if not rt_raw:
            row_errors.append(RowError(baris, "rt", "wajib diisi"))
        elif m is None or int(m.group(1)) < 1:
            row_errors.append(RowError(baris, "rt", f"{rt_raw!r} bukan bilangan bulat positif"))
        elif int(m.group(1)) > MAX_RT:
            row_errors.append(RowError(baris, "rt", f"nomor RT {int(m.group(1))} terlalu besar (paling besar {MAX_RT})"))
        else:
            rt = int(m.group(1))
        lat_raw, lon_raw = cell("lat"), cell("lon")
        lat = lon = math.nan
        if lat_raw or lon_raw:
            if not (lat_raw and lon_raw):
                kolom = "lon" if lat_raw else "lat"
                row_errors.append(RowError(baris, kolom, "lat dan lon harus diisi berdua atau dikosongkan berdua"))
            else:
                la, lo = _number(lat_raw), _number(lon_raw)
                if la is None:
                    row_errors.append(RowError(baris, "lat", f"{lat_raw!r} bukan angka"))
                if lo is None:
                    row_errors.append(RowError(baris, "lon", f"{lon_raw!r} bukan angka"))
                if la is not None and lo is not None:
                    if 100 < la < 106 and -6 < lo < 0:
                        row_errors.append(RowError(baris, "lat", "lat dan lon tampaknya tertukar"))
                    elif not (-90 <= la <= 90 and -180 <= lo <= 180):
                        row_errors.append(RowError(baris, "lat", "koordinat di luar jangkauan lat/lon"))
                    else:
                        lat, lon = la, lo
        if code is not None and rt is not None:
            key = (code, rt)
            if key in seen:
                row_errors.append(RowError(baris, "rt", f"RT {rt} di {_kel_index()[code]['nama']} "
                                                        f"sudah ada di baris {seen[key]}"))
            else:
                seen[key] = baris
        if row_errors:
            errors.extend(row_errors)
            continue
        good.append({"baris": baris, "kode_kelurahan": code, "rt": rt, "nama_ketua": cell("nama_ketua"),
                     "telepon": cell("telepon"), "lat": lat, "lon": lon,
                     "contoh": cell("contoh").lower() in _TRUE})
    df = pd.DataFrame(good) if good else None
    if df is not None and check_points:
        df, point_errors = _check_points(df)
        errors.extend(point_errors)
    errors.sort(key=lambda e: e.baris)
    out = _typed(df) if df is not None and len(df) else _empty()
    return RegistryResult(out, errors, rows_read)


def _check_points(df: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
    from .boundaries import boundaries, geo_dir

    has = df["lat"].notna() & df["lon"].notna()
    if not has.any() or geo_dir() is None:
        return df, []
    import shapely

    kel = boundaries("kelurahan").set_index("kode")
    sub = df[has]
    polys = kel.geometry.reindex(sub["kode_kelurahan"]).values
    pts = shapely.points(sub["lon"].to_numpy(), sub["lat"].to_numpy())
    inside = shapely.covers(polys, pts)
    from .locate import locate_many

    bad = sub[~inside]
    if bad.empty:
        return df, []
    where = locate_many(bad["lat"], bad["lon"])
    errors = []
    gaz = _kel_index()
    for (_, r), w in zip(bad.iterrows(), where, strict=True):
        nama = gaz[r["kode_kelurahan"]]["nama"]
        lokasi = f"masuk Kelurahan {gaz[w]['nama']}" if w else "di luar Kota Lubuklinggau"
        errors.append(RowError(int(r["baris"]), "lat", f"titik ({r['lat']:.6f}, {r['lon']:.6f}) di luar "
                                                       f"Kelurahan {nama} ({lokasi})"))
    return df.drop(index=bad.index), errors


@lru_cache(maxsize=1)
def _sample() -> pd.DataFrame:
    with resources.as_file(resources.files(__package__).joinpath("data", SAMPLE_FILE)) as path:
        res = load_registry(path, check_points=False)
    if res.errors:  # pragma: no cover - the shipped file is tested
        raise RuntimeError(f"rt_contoh.csv rusak: {res.errors[0]}")
    return res.df


def sample_registry() -> pd.DataFrame:
    """The shipped SAMPLE registry (522 RT, ``contoh`` = True). Show SAMPLE_NOTICE with it."""
    return _sample().copy()


def is_sample(df: pd.DataFrame) -> bool:
    """True when any row of an RT registry is marked ``contoh`` (so the UI must say so)."""
    return "contoh" in df.columns and bool(pd.Series(df["contoh"]).fillna(False).astype(bool).any())
