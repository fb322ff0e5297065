"""Where boundary files live and how the app reads them.

A geo directory holds ``kelurahan.geojson``, ``kecamatan.geojson`` and
``kota.geojson``. Lookup order:

1. ``$LUBUKLINGGAU_GEO_DIR`` when set. A set variable naming a folder
   without the files is a misconfiguration: the app says so and draws points
   rather than silently drawing other data.
2. ``<data>/geo`` (``<data>`` is ``$KONDUSIF_DATA_DIR`` or ``<project>/data``):
   an official file installed by ``import`` or a fresh ``fetch``.
3. The extract shipped in this package (packaged.py), verified against its
   sha256 and built into ``<data>/geo-bawaan`` on first use.

Only a broken installation (packaged file missing or altered, folder not
writable) leaves no polygons: ``status()`` says so and ``points_fallback()``
gives centroids.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from .errors import BoundariesUnavailable, GeoError
from .gazetteer import kelurahan as _gazetteer

LEVELS = ("kelurahan", "kecamatan", "kota")
FILES = {level: f"{level}.geojson" for level in LEVELS}
NOTICE_FILES = ("SOURCE.txt", "UPSTREAM_LICENSE.txt", "SOURCE.md", "LICENSE", "NOTICE")
GEO_DIR_ENV = "LUBUKLINGGAU_GEO_DIR"
DATA_DIR_ENV = "KONDUSIF_DATA_DIR"
CRS = "EPSG:4326"
METRIC_CRS = "EPSG:32748"  # WGS 84 / UTM 48S: areas and distances
FETCH_HINT = "Jalankan `python -m lubuklinggau_geo fetch`."
BROKEN_PREFIX = "Batas wilayah belum terpasang dengan benar (instalasi rusak): "
POINTS_NOTE = "Kelurahan digambar sebagai titik di pusatnya."
UNAVAILABLE_MESSAGE = BROKEN_PREFIX + "tidak ada berkas batas wilayah yang dapat dipakai. " + POINTS_NOTE
SOURCE_ENV, SOURCE_DATA, SOURCE_PACKAGED = "env", "data", "bawaan"
SOURCE_LABELS = {
    SOURCE_ENV: f"folder {GEO_DIR_ENV}",
    SOURCE_DATA: "data/geo (berkas resmi yang diimpor atau hasil unduhan)",
    SOURCE_PACKAGED: "batas bawaan aplikasi (ekstrak cahyadsn/wilayah_boundaries di dalam paket)",
}
_COLUMNS = {
    "kelurahan": ["kode", "nama", "kecamatan", "kode_kecamatan"],
    "kecamatan": ["kode", "nama"],
    "kota": ["kode", "nama"],
}


def project_root() -> Path:
    """The repository root (parent of this package), independent of the cwd."""
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """``$KONDUSIF_DATA_DIR`` or ``<project>/data``."""
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(env).expanduser().resolve() if env else project_root() / "data"


def default_geo_dir() -> Path:
    """Where fetch/import write by default: ``<data>/geo``."""
    return data_dir() / "geo"


def is_geo_dir(path: Path | str | None) -> bool:
    """True when ``path`` holds the three boundary files."""
    if path is None:
        return False
    p = Path(path)
    return all((p / name).is_file() for name in FILES.values())


@dataclass(frozen=True)
class BoundaryStatus:
    """What the app can show about the boundary data.

    ``kind`` says which source is in use: "env", "data", "bawaan" (packaged) or None.
    """

    available: bool
    directory: Path | None
    message: str
    source: str | None = None
    notice: str | None = None
    kind: str | None = None

    @property
    def label(self) -> str:
        """The source in use, in Indonesian (for ``check`` and admin screens)."""
        return SOURCE_LABELS.get(self.kind or "", "tidak ada (kelurahan sebagai titik)")


def _env_dir() -> str:
    return os.environ.get(GEO_DIR_ENV, "").strip()


def _broken(reason: str) -> tuple[None, str, str | None]:
    return None, f"{BROKEN_PREFIX}{reason} {POINTS_NOTE}", None


def _resolve() -> tuple[Path | None, str, str | None]:
    """(directory, message, kind) following the documented lookup order."""
    env = _env_dir()
    if env:
        p = Path(env).expanduser().resolve()
        if is_geo_dir(p):
            return p, f"Batas wilayah dari folder {p} ({GEO_DIR_ENV}).", SOURCE_ENV
        return _broken(f"folder {env} ({GEO_DIR_ENV}) tidak berisi kelurahan.geojson, kecamatan.geojson "
                       f"dan kota.geojson. Perbaiki {GEO_DIR_ENV} atau kosongkan agar batas bawaan dipakai.")
    d = default_geo_dir()
    if is_geo_dir(d):
        return d, f"Batas wilayah dari {d} (berkas yang dipasang lewat import atau fetch).", SOURCE_DATA
    from . import packaged

    try:
        try:
            built = packaged.ensure_built(data_dir())
        except OSError:
            built = packaged.ensure_built(packaged.fallback_root())  # data folder not writable
    except packaged.PackagedDataRefused as exc:
        return _broken(f"{exc} {packaged.REINSTALL_HINT}")
    except (OSError, GeoError) as exc:
        return _broken(f"batas bawaan tidak dapat dibangun: {exc}. {packaged.REINSTALL_HINT}")
    return (built, "Batas wilayah bawaan aplikasi (cahyadsn/wilayah_boundaries, sha256 sesuai), "
            f"dibangun di {built}.", SOURCE_PACKAGED)


def geo_dir() -> Path | None:
    """The directory whose boundary files the app uses (see the lookup order above), or None."""
    return _resolve()[0]


def _read_first(directory: Path, names: tuple[str, ...]) -> str | None:
    for name in names:
        p = directory / name
        if p.is_file():
            try:
                return p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return None


def status() -> BoundaryStatus:
    """Whether boundaries are usable, from which source, and a message in Indonesian."""
    d, msg, kind = _resolve()
    if d is None:
        return BoundaryStatus(False, None, msg)
    source = _read_first(d, ("SOURCE.txt", "SOURCE.md"))
    notice = _read_first(d, ("UPSTREAM_LICENSE.txt", "LICENSE", "NOTICE"))
    return BoundaryStatus(True, d, msg, source, notice, kind)


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def read_level(path: Path | str, level: str) -> gpd.GeoDataFrame:
    """Read one boundary file, normalised to EPSG:4326 with string codes."""
    gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs(CRS)
    elif gdf.crs != CRS and not gdf.crs.equals(CRS):
        gdf = gdf.to_crs(CRS)
    for col in _COLUMNS.get(level, ["kode", "nama"]):
        if col not in gdf.columns:
            gdf[col] = None
        else:
            gdf[col] = gdf[col].astype("string").astype(object)
    return gdf


@lru_cache(maxsize=16)
def _cached_level(path: str, level: str, mtime_ns: int) -> gpd.GeoDataFrame:
    gdf = read_level(path, level)
    return gdf.sort_values("kode", kind="stable").reset_index(drop=True)


def _level_path(level: str) -> Path:
    if level not in LEVELS:
        raise ValueError(f"Tingkat wilayah {level!r} tidak dikenal; pilih salah satu: {', '.join(LEVELS)}.")
    d = geo_dir()
    if d is None:
        raise BoundariesUnavailable(status().message)
    return d / FILES[level]


def boundaries(level: str = "kelurahan") -> gpd.GeoDataFrame:
    """Polygons of one level (kelurahan, kecamatan, kota) in EPSG:4326.

    Columns: kode, nama (+ kecamatan, kode_kecamatan for kelurahan), geometry.
    Cached per file and modification time, so re-installing is picked up.
    Raises BoundariesUnavailable when nothing is installed.
    """
    path = _level_path(level)
    return _cached_level(str(path), level, _mtime(path)).copy()


def cache_key() -> tuple[str, int] | None:
    """Identifies the installed kelurahan file (for caches built on top of it)."""
    d = geo_dir()
    if d is None:
        return None
    p = d / FILES["kelurahan"]
    return str(p), _mtime(p)


def points_fallback() -> gpd.GeoDataFrame:
    """Kelurahan centroids from the gazetteer as Points (works with nothing installed)."""
    gaz = _gazetteer()
    geom = gpd.points_from_xy(gaz["lon"], gaz["lat"], crs=CRS)
    cols = _COLUMNS["kelurahan"]
    return gpd.GeoDataFrame(gaz[cols].copy(), geometry=geom, crs=CRS)


def representative_points() -> gpd.GeoDataFrame:
    """One point per kelurahan guaranteed inside its polygon (labels, RT fallbacks).

    Uses the installed polygons when available, else the gazetteer centroids.
    """
    if geo_dir() is None:
        return points_fallback()
    kel = boundaries("kelurahan")
    pts = shapely.point_on_surface(kel.geometry.values)
    cols = _COLUMNS["kelurahan"]
    return gpd.GeoDataFrame(pd.DataFrame(kel[cols]), geometry=gpd.GeoSeries(pts, crs=CRS).values,
                            crs=CRS)
