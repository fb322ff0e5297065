"""Build, write and check a set of boundary files (kelurahan, kecamatan, kota).

``fetch`` (pinned upstream file) and ``import_official`` (the city's own
file, see importer.py) share the same steps: attach official names from the
gazetteer, repair invalid polygons (and say so), snap to 1e-6 degree, orient
rings counter-clockwise (RFC 7946), dissolve kecamatan and kota from the
kelurahan, fill holes under 1 ha that the dissolve leaves between
separately-simplified neighbours (only holes no kelurahan covers), and write
the whole set into a temporary folder next to DEST that then replaces DEST
by rename, so DEST never holds a half-written set.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from . import upstream
from .boundaries import CRS, FILES, METRIC_CRS, default_geo_dir, geo_dir, read_level
from .errors import BuildError, FetchError
from .gazetteer import (
    KODE_KOTA,
    NAMA_KOTA,
    STATUTORY_AREA_KM2,
    _kec_index,
    _kel_index,
    upstream_license_text,
)

HOLE_MAX_M2 = 10_000.0  # 1 ha
GRID = 1e-6  # degrees, about 0.1 m
# files a geo folder may hold; a DEST with anything else is not replaced
KNOWN_FILES = frozenset({*FILES.values(), "UPSTREAM_LICENSE.txt", "SOURCE.txt", "SOURCE.md",
                         "LICENSE", "LICENSE.txt", "NOTICE", "NOTICE.txt", "gazetteer.csv"})
# Lubuklinggau with a wide margin: coordinates outside are a CRS mistake
PLAUSIBLE_BOUNDS = (102.4, -3.7, 103.3, -2.8)


def _fmt(x: float, nd: int = 1) -> str:
    """Indonesian decimal comma."""
    return f"{x:,.{nd}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def area_km2(geoms: gpd.GeoSeries | list) -> np.ndarray:
    """Planar area in km² in EPSG:32748 of lon/lat geometries."""
    gs = geoms if isinstance(geoms, gpd.GeoSeries) else gpd.GeoSeries(list(geoms), crs=CRS)
    return np.asarray(gs.to_crs(METRIC_CRS).area, dtype=float) / 1e6


def _polygonal(geom: shapely.Geometry) -> Polygon | MultiPolygon | None:
    """Keep only the polygon parts (make_valid can return collections)."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    flat = [p for g in parts for p in getattr(g, "geoms", [g])]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else MultiPolygon(flat)


def _finish(geom: shapely.Geometry) -> Polygon | MultiPolygon | None:
    """Snap to the 1e-6 grid, keep polygons, orient exterior rings CCW."""
    # set_precision keeps the result valid; rounding then makes the in-memory
    # coordinates equal to what the GeoJSON stores (6 decimals)
    snapped = _polygonal(shapely.transform(shapely.set_precision(geom, GRID), lambda c: np.round(c, 6)))
    if snapped is None:
        return None
    if isinstance(snapped, MultiPolygon):
        return MultiPolygon([orient(p, 1.0) for p in snapped.geoms])
    return orient(snapped, 1.0)


def prepare_kelurahan(gdf: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    """Official names, valid snapped polygons, one row per code, sorted by code.

    ``gdf`` needs ``kode`` (normalised) and a geometry in EPSG:4326.
    Several rows with one code are unioned (a kelurahan in several parts).
    Raises BuildError when a code has no usable polygon.
    """
    gaz = _kel_index()
    rows = []
    for kode, grp in gdf.groupby("kode", sort=True):
        geoms = []
        for g in grp.geometry:
            if g is None or g.is_empty:
                continue
            if not g.is_valid:
                reason = shapely.is_valid_reason(g)
                g = shapely.make_valid(g)
                notes.append(f"Geometri {gaz[kode]['nama']} ({kode}) tidak valid ({reason}); "
                             "diperbaiki dengan make_valid.")
            poly = _polygonal(g)
            if poly is not None:
                geoms.append(poly)
        if len(grp) > 1:
            notes.append(f"{gaz[kode]['nama']} ({kode}) terdiri atas {len(grp)} fitur; digabung.")
        geom = _finish(shapely.union_all(geoms)) if geoms else None
        if geom is None or geom.is_empty:
            raise BuildError(f"Kelurahan {gaz[kode]['nama']} ({kode}) tidak memiliki poligon yang dapat dipakai.")
        if not geom.is_valid:
            geom = _finish(shapely.make_valid(geom))
        rec = gaz[kode]
        rows.append({"kode": kode, "nama": rec["nama"], "kecamatan": rec["kecamatan"],
                     "kode_kecamatan": rec["kode_kecamatan"], "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def fill_small_holes(geom: Polygon | MultiPolygon, others: shapely.Geometry | None,
                     max_m2: float = HOLE_MAX_M2) -> tuple[Polygon | MultiPolygon, int, float]:
    """Fill interior holes smaller than ``max_m2`` that ``others`` does not cover.

    Returns (geometry, holes filled, area filled in m²).
    """
    polys = list(getattr(geom, "geoms", [geom]))
    holes = [(i, j, Polygon(r)) for i, p in enumerate(polys) for j, r in enumerate(p.interiors)]
    if not holes:
        return geom, 0, 0.0
    areas = area_km2([h for _, _, h in holes]) * 1e6
    drop: set[tuple[int, int]] = set()
    filled = 0.0
    for (i, j, h), a in zip(holes, areas, strict=True):
        if a >= max_m2:
            continue
        if others is not None and h.intersection(others).area > 0.01 * h.area:
            continue
        drop.add((i, j))
        filled += float(a)
    new = [Polygon(p.exterior.coords, [r.coords for j, r in enumerate(p.interiors) if (i, j) not in drop])
           for i, p in enumerate(polys)]
    out = shapely.union_all(new) if len(new) > 1 else new[0]
    return out, len(drop), filled


def dissolve(kel: gpd.GeoDataFrame, notes: list[str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Kecamatan and kota polygons as unions of the kelurahan, small holes filled."""
    kec_rows = []
    n_holes, m2 = 0, 0.0
    for kode_kec, grp in kel.groupby("kode_kecamatan", sort=True):
        union = shapely.union_all(grp.geometry.values)
        others = shapely.union_all(kel.geometry[kel.kode_kecamatan != kode_kec].values)
        union, n, a = fill_small_holes(union, others)
        n_holes, m2 = n_holes + n, m2 + a
        nama = _kec_index()[kode_kec]["nama"]
        kec_rows.append({"kode": kode_kec, "nama": nama, "kecamatan": nama, "kode_kecamatan": kode_kec,
                         "jumlah_kelurahan": int(len(grp)), "geometry": _finish(union)})
    kec = gpd.GeoDataFrame(kec_rows, geometry="geometry", crs=CRS)
    kec.insert(5, "area_km2", np.round(area_km2(kec.geometry), 3))
    notes.append(f"Kecamatan: {n_holes} lubang < 1 ha diisi ({_fmt(m2 / 1e4, 2)} ha).")
    city, n, a = fill_small_holes(shapely.union_all(kel.geometry.values), None)
    notes.append(f"Kota: {n} lubang < 1 ha diisi ({_fmt(a / 1e4, 2)} ha).")
    kota = gpd.GeoDataFrame([{"kode": KODE_KOTA, "nama": NAMA_KOTA, "kecamatan": None,
                              "kode_kecamatan": None, "jumlah_kecamatan": int(kec.shape[0]),
                              "jumlah_kelurahan": int(kel.shape[0]), "geometry": _finish(city)}],
                            geometry="geometry", crs=CRS)
    kota.insert(6, "area_km2", np.round(area_km2(kota.geometry), 3))
    return kec, kota


def build_levels(kel_raw: gpd.GeoDataFrame, notes: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """kelurahan/kecamatan/kota GeoDataFrames from raw kelurahan rows (kode, geometry)."""
    kel = prepare_kelurahan(kel_raw, notes)
    kec, kota = dissolve(kel, notes)
    return {"kelurahan": kel, "kecamatan": kec, "kota": kota}


# --- writing ----------------------------------------------------------------

def _round_coords(obj: object) -> object:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), 6) for v in obj]
        return [_round_coords(o) for o in obj]
    return obj


def _json_value(v: object) -> object:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def geojson_text(gdf: gpd.GeoDataFrame, name: str) -> str:
    """Deterministic RFC 7946 GeoJSON (lon/lat, 6 decimals) of a GeoDataFrame."""
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    feats = []
    for rec, geom in zip(gdf[cols].to_dict("records"), gdf.geometry, strict=True):
        g = shapely.geometry.mapping(geom)
        feats.append({"type": "Feature", "properties": {k: _json_value(v) for k, v in rec.items()},
                      "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"])}})
    return json.dumps({"type": "FeatureCollection", "name": name, "features": feats},
                      ensure_ascii=False, separators=(",", ":"))


def _write_file(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _check_dest(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise BuildError(f"Tujuan {dest} bukan folder.")
    if dest.is_dir():
        foreign = sorted(p.name for p in dest.iterdir() if p.name not in KNOWN_FILES)
        if foreign:
            raise BuildError(f"Folder tujuan {dest} berisi berkas lain ({', '.join(foreign[:5])}); "
                             "tidak ditimpa. Pilih folder kosong atau khusus batas wilayah.")


def write_set(levels: dict[str, gpd.GeoDataFrame], dest: Path | str, texts: dict[str, str]) -> Path:
    """Write the three GeoJSON files plus ``texts`` and atomically replace ``dest``.

    Everything goes into a temporary folder next to dest, which then takes
    dest's place by rename; on any error dest is left as it was.
    """
    dest = Path(dest).expanduser().absolute()
    _check_dest(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.baru-", dir=dest.parent))
    try:
        for level in FILES:
            _write_file(tmp / FILES[level], geojson_text(levels[level], f"{level}_lubuklinggau"))
        for name, text in texts.items():
            _write_file(tmp / name, text)
        os.chmod(tmp, 0o755)
        _swap(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _swap(tmp: Path, dest: Path) -> None:
    if not dest.exists():
        os.rename(tmp, dest)
        return
    old = dest.parent / f".{dest.name}.lama-{uuid.uuid4().hex[:8]}"
    os.rename(dest, old)
    try:
        os.rename(tmp, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- fetch ------------------------------------------------------------------

@dataclass
class FetchResult:
    """What fetch wrote and what it noticed (warnings in Indonesian)."""

    dest: Path
    sha256: str
    sha256_ok: bool
    counts: dict[str, int]
    area_km2: float
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fetch(dest: Path | str | None = None, from_file: Path | str | None = None,
          url: str | None = None) -> FetchResult:
    """Build the boundary set from the pinned upstream file and install it in ``dest``.

    Without ``from_file`` the file is downloaded and its sha256 must match
    the pinned one (FetchError otherwise). With ``from_file`` a mismatch is
    only a warning (a user may hold a newer upstream copy) but all 72 codes
    must still parse. On any error nothing is written.
    """
    dest = Path(dest) if dest is not None else default_geo_dir()
    if from_file is None:
        src_url = url or upstream.upstream_url()
        return build_from_upstream(upstream.download(src_url), dest, source_label=src_url,
                                   made_by="`python -m lubuklinggau_geo fetch`", strict=True)
    try:
        data = Path(from_file).read_bytes()
    except OSError as exc:
        raise FetchError(f"Berkas {from_file} tidak dapat dibaca: {exc.strerror or exc}.") from exc
    return build_from_upstream(data, dest, source_label=f"{Path(from_file).name} (salinan lokal)",
                               made_by="`python -m lubuklinggau_geo fetch`", strict=False)


def build_from_upstream(data: bytes, dest: Path | str, *, source_label: str, made_by: str,
                        strict: bool, extra_source: tuple[str, ...] = ()) -> FetchResult:
    """Parse the upstream SQL bytes, build the three levels and write them to ``dest``.

    ``strict``: a sha256 other than the pinned one is refused (FetchError)
    instead of being a warning. Shared by fetch and the packaged extract.
    """
    dest = Path(dest)
    warnings: list[str] = []
    digest = upstream.sha256_hex(data)
    sha_ok = digest == upstream.UPSTREAM_SHA256
    if not sha_ok:
        msg = (f"sha256 berkas sumber {digest} berbeda dengan yang dipatok "
               f"({upstream.UPSTREAM_SHA256}).")
        if strict:
            raise FetchError(msg + " Berkas ditolak; tidak ada yang ditulis.")
        warnings.append(msg + " Tetap dipakai karena semua 72 kode terbaca; periksa asal berkas.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FetchError(f"Berkas sumber bukan teks UTF-8: {exc}.") from exc
    rows = upstream.parse_sql(text)
    gaz = _kel_index()
    found = {r.kode for r in rows}
    missing = sorted(set(gaz) - found)
    if missing:
        names = ", ".join(f"{gaz[k]['nama']} ({k})" for k in missing[:10])
        raise FetchError(f"Berkas sumber tidak memuat {len(missing)} dari 72 kelurahan: {names}. "
                         "Tidak ada yang ditulis.")
    notes: list[str] = []
    extra = sorted(found - set(gaz))
    if extra:
        warnings.append(f"Kode di luar daftar resmi diabaikan: {', '.join(extra)}.")
    for r in rows:
        if r.kode in gaz and r.nama.strip() != gaz[r.kode]["nama"]:
            notes.append(f"Nama sumber {r.nama!r} untuk {r.kode} diganti nama resmi {gaz[r.kode]['nama']!r}.")
    raw = gpd.GeoDataFrame({"kode": [r.kode for r in rows if r.kode in gaz]},
                           geometry=[r.geometry for r in rows if r.kode in gaz], crs=CRS)
    levels = build_levels(raw, notes)
    total = float(levels["kota"]["area_km2"].sum())
    source = "\n".join([
        "Batas wilayah Kota Lubuklinggau (kelurahan, kecamatan, kota)",
        f"Sumber: {source_label}",
        *extra_source,
        f"URL resmi: {upstream.UPSTREAM_URL}",
        f"Repositori: {upstream.UPSTREAM_REPO}, commit {upstream.UPSTREAM_COMMIT}",
        f"Berkas: {upstream.UPSTREAM_PATH}",
        f"sha256: {digest} ({'sesuai' if sha_ok else 'TIDAK sesuai'} dengan yang dipatok)",
        f"Dibangun: {_now()} oleh {made_by}",
        "Lisensi: MIT (lihat UPSTREAM_LICENSE.txt)",
        "Cincin [lat, lng] sumber ditukar menjadi [lon, lat]; koordinat dibulatkan 6 desimal; "
        "kecamatan dan kota hasil dissolve kelurahan.",
        f"Luas poligon kota: {_fmt(total, 2)} km² (angka statutori {_fmt(STATUTORY_AREA_KM2)} km²).",
        *notes, *warnings, "",
    ])
    out = write_set(levels, dest, {"UPSTREAM_LICENSE.txt": upstream_license_text(), "SOURCE.txt": source})
    counts = {k: int(len(v)) for k, v in levels.items()}
    return FetchResult(out, digest, sha_ok, counts, total, notes, warnings)


# --- check ------------------------------------------------------------------

@dataclass
class CheckReport:
    """Result of checking an installed boundary folder."""

    directory: Path | None
    counts: dict[str, int] = field(default_factory=dict)
    areas_km2: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    source: str | None = None
    covered_km2: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.directory is not None

    @property
    def total_area_km2(self) -> float | None:
        """Area covered by the kelurahan polygons (union, overlaps counted once), km².

        Falls back to the kota polygon. This is the "367.9 km²" of the docs;
        the kota polygon is 0.04 km² larger (filled holes), the plain
        per-kelurahan sum 0.07 km² larger (overlaps counted twice).
        """
        if self.covered_km2 is not None:
            return self.covered_km2
        return self.areas_km2.get("kota")

    def summary(self) -> str:
        """One Indonesian line, e.g. "kelurahan: 72 fitur, ...; tidak ada masalah"."""
        if self.directory is None:
            return "Batas wilayah belum terpasang. Jalankan `python -m lubuklinggau_geo fetch`."
        parts = [", ".join(f"{lvl}: {n} fitur" for lvl, n in self.counts.items())]
        if self.total_area_km2 is not None:
            parts.append(f"luas total {_fmt(self.total_area_km2)} km² "
                         f"(poligon; angka statutori {_fmt(STATUTORY_AREA_KM2)} km²)")
        parts.append("tidak ada masalah" if not self.problems else f"{len(self.problems)} masalah")
        return "; ".join(p for p in parts if p)


def check(directory: Path | str | None = None) -> CheckReport:
    """Inspect a geo folder (default: the one the app uses) and list its problems."""
    d = Path(directory).expanduser().absolute() if directory is not None else (geo_dir() or default_geo_dir())
    rep = CheckReport(d)
    if not d.is_dir():
        rep.problems.append(f"Folder {d} tidak ada.")
        return rep
    for level, fname in FILES.items():
        path = d / fname
        if not path.is_file():
            rep.problems.append(f"Berkas {fname} tidak ada.")
            continue
        try:
            raw = gpd.read_file(path)
        except Exception as exc:  # noqa: BLE001 - any reader error is a data problem to report
            rep.problems.append(f"{fname} tidak dapat dibaca: {exc}")
            continue
        rep.counts[level] = int(len(raw))
        if raw.crs is None or not raw.crs.equals(CRS):
            rep.problems.append(f"{fname}: CRS {raw.crs} bukan EPSG:4326.")
        gdf = read_level(path, level)
        _check_level(level, fname, gdf, rep)
    rep.source = next((p.read_text(encoding="utf-8", errors="replace") for p in
                       (d / "SOURCE.txt", d / "SOURCE.md") if p.is_file()), None)
    return rep


def _check_level(level: str, fname: str, gdf: gpd.GeoDataFrame, rep: CheckReport) -> None:
    if gdf.empty:
        rep.problems.append(f"{fname}: tidak ada fitur.")
        return
    geoms = gdf.geometry
    bad_type = ~geoms.geom_type.isin(["Polygon", "MultiPolygon"]) | geoms.is_empty | geoms.isna()
    if bad_type.any():
        rep.problems.append(f"{fname}: {int(bad_type.sum())} fitur bukan poligon atau kosong.")
    invalid = ~geoms.is_valid & ~bad_type
    if invalid.any():
        rep.problems.append(f"{fname}: {int(invalid.sum())} geometri tidak valid "
                            f"({', '.join(map(str, gdf.kode[invalid].head(5)))}).")
    minx, miny, maxx, maxy = gdf.total_bounds
    bx0, by0, bx1, by1 = PLAUSIBLE_BOUNDS
    if not (minx >= bx0 and miny >= by0 and maxx <= bx1 and maxy <= by1):
        rep.problems.append(f"{fname}: koordinat di luar sekitar Lubuklinggau (CRS salah?).")
    else:
        rep.areas_km2[level] = round(float(area_km2(geoms[~bad_type]).sum()), 3)
        if level == "kelurahan" and not invalid.any():
            union = shapely.union_all(geoms[~bad_type].values)
            rep.covered_km2 = round(float(area_km2([union])[0]), 3)
    codes = gdf["kode"].astype(str)
    dup = sorted(set(codes[codes.duplicated()]))
    if dup:
        rep.problems.append(f"{fname}: kode ganda {', '.join(dup[:10])}.")
    official = {"kelurahan": set(_kel_index()), "kecamatan": set(_kec_index()), "kota": {KODE_KOTA}}[level]
    unknown = sorted(set(codes) - official)
    if unknown:
        rep.problems.append(f"{fname}: kode tidak dikenal {', '.join(unknown[:10])}.")
    missing = sorted(official - set(codes))
    if missing:
        if level == "kelurahan":
            names = [f"{_kel_index()[k]['nama']} ({k})" for k in missing]
        elif level == "kecamatan":
            names = [f"{_kec_index()[k]['nama']} ({k})" for k in missing]
        else:
            names = missing
        rep.problems.append(f"{fname}: {len(missing)} wilayah tidak ada: {', '.join(names[:10])}"
                            + (" ..." if len(names) > 10 else "") + ".")
