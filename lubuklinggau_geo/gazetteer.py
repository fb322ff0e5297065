"""Official list of the 8 kecamatan and 72 kelurahan of Kota Lubuklinggau.

Codes (Kemendagri ``16.73.KK.NNNN``) are the only key the project stores;
names are for display. The list is the same in 2018 and 2025. Centroids and
areas were computed from the real polygons in EPSG:32748 (see SOURCE.md in
the shared geo data), so the gazetteer works without any boundary file.

Areas: densities must say which area they use. ``POLYGON_AREA_KM2`` is what
the boundary polygons cover (union, 367.9 km²; the per-kelurahan
``area_km2`` column sums to 368.0 because neighbouring polygons overlap by
0.07 km²). ``STATUTORY_AREA_KM2`` is the figure of UU 7/2001 and BPS
(401.5 km²), which the polygons do not reproduce.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from .errors import UnknownCode

KODE_KOTA = "16.73"
NAMA_KOTA = "Kota Lubuk Linggau"
STATUTORY_AREA_KM2 = 401.5
POLYGON_AREA_KM2 = 367.9
AREA_NOTE = (
    "Luas poligon batas wilayah 367,9 km²; angka statutori (UU 7/2001, BPS) 401,5 km². "
    "Setiap angka kepadatan harus menyebut luas mana yang dipakai."
)

_KEL_RE = re.compile(r"^16\.?73\.?(\d{2})\.?(\d{4})$")
_KEC_RE = re.compile(r"^16\.?73\.?(\d{2})$")


def _data_text(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def _read_csv(name: str) -> pd.DataFrame:
    with resources.as_file(resources.files(__package__).joinpath("data", name)) as path:
        return pd.read_csv(path, dtype={"kode": str, "kode_kecamatan": str})


def _code_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return ""
        value = int(value)
    return re.sub(r"\s+", "", str(value))


def normalize_kelurahan_code(value: object) -> str | None:
    """Return ``16.73.KK.NNNN`` for the usual spellings of a kelurahan code, else None.

    Files from the city write codes as "16.73.01.1001", "1673011001" or a number.
    The result is not checked against the gazetteer.
    """
    m = _KEL_RE.match(_code_text(value))
    return f"16.73.{m.group(1)}.{m.group(2)}" if m else None


def normalize_kecamatan_code(value: object) -> str | None:
    """Return ``16.73.KK`` for the usual spellings of a kecamatan code, else None."""
    m = _KEC_RE.match(_code_text(value))
    return f"16.73.{m.group(1)}" if m else None


@lru_cache(maxsize=1)
def _kelurahan() -> pd.DataFrame:
    df = _read_csv("gazetteer.csv")
    df = df[["kode", "nama", "kecamatan", "kode_kecamatan", "lat", "lon", "area_km2"]]
    return df.sort_values("kode").reset_index(drop=True)


@lru_cache(maxsize=1)
def _kecamatan() -> pd.DataFrame:
    kec = _read_csv("kecamatan.csv")[["kode", "nama"]]
    stats = _kelurahan().groupby("kode_kecamatan").agg(
        jumlah_kelurahan=("kode", "size"), area_km2=("area_km2", "sum"))
    kec = kec.merge(stats, left_on="kode", right_index=True, how="left")
    kec["area_km2"] = kec["area_km2"].round(3)
    return kec.sort_values("kode").reset_index(drop=True)


def kelurahan() -> pd.DataFrame:
    """All 72 kelurahan: kode, nama, kecamatan, kode_kecamatan, lat, lon, area_km2.

    lat/lon is the polygon centroid (one, Taba Pingin, falls just outside its
    concave polygon: use boundaries.representative_points() for labels).
    A fresh copy is returned so callers may modify it.
    """
    return _kelurahan().copy()


def kecamatan() -> pd.DataFrame:
    """All 8 kecamatan: kode, nama, jumlah_kelurahan, area_km2 (sum of its kelurahan)."""
    return _kecamatan().copy()


@lru_cache(maxsize=1)
def _kel_index() -> dict[str, dict[str, Any]]:
    return {r["kode"]: r for r in _kelurahan().to_dict("records")}


@lru_cache(maxsize=1)
def _kec_index() -> dict[str, dict[str, Any]]:
    return {r["kode"]: r for r in _kecamatan().to_dict("records")}


def kelurahan_codes() -> list[str]:
    """The 72 official kelurahan codes, sorted."""
    return list(_kel_index())


def kecamatan_codes() -> list[str]:
    """The 8 official kecamatan codes, sorted."""
    return list(_kec_index())


def is_kelurahan_code(kode: object) -> bool:
    """True when ``kode`` (any usual spelling) is one of the 72 kelurahan."""
    norm = normalize_kelurahan_code(kode)
    return norm is not None and norm in _kel_index()


def kelurahan_by_code(kode: object) -> dict[str, Any]:
    """The gazetteer record of one kelurahan; raises UnknownCode (a KeyError)."""
    norm = normalize_kelurahan_code(kode)
    rec = _kel_index().get(norm or "")
    if rec is None:
        raise UnknownCode(f"Kode kelurahan {kode!r} tidak dikenal di Kota Lubuklinggau.")
    return dict(rec)


def kecamatan_by_code(kode: object) -> dict[str, Any]:
    """The record of one kecamatan; raises UnknownCode (a KeyError)."""
    norm = normalize_kecamatan_code(kode)
    rec = _kec_index().get(norm or "")
    if rec is None:
        raise UnknownCode(f"Kode kecamatan {kode!r} tidak dikenal di Kota Lubuklinggau.")
    return dict(rec)


def kelurahan_name(kode: object) -> str:
    """Official name of a kelurahan code (for display only; store the code)."""
    return str(kelurahan_by_code(kode)["nama"])


def kecamatan_name(kode: object) -> str:
    """Official name of a kecamatan code."""
    return str(kecamatan_by_code(kode)["nama"])


def kelurahan_label(kode: object, blank: str = "-") -> str:
    """A kelurahan for display: its name, or the code itself when the gazetteer does not know it.

    Old archives and foreign imports may hold codes that are not (or no longer) in the
    gazetteer; showing the code keeps the row readable instead of failing. `blank` is
    shown when there is no code at all.
    """
    if kode is None or kode == "":
        return blank
    try:
        return kelurahan_name(kode)
    except KeyError:
        return str(kode)


def kecamatan_label(kode: object, blank: str = "-") -> str:
    """A kecamatan for display: its name, or the code itself when unknown (see kelurahan_label)."""
    if kode is None or kode == "":
        return blank
    try:
        return kecamatan_name(kode)
    except KeyError:
        return str(kode)


def upstream_license_text() -> str:
    """The MIT notice that must travel with any copy of the boundary data."""
    return _data_text("UPSTREAM_LICENSE.txt")
