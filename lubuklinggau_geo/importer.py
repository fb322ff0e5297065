"""Import the city's own kelurahan boundary file (GeoJSON, GeoPackage, zipped Shapefile).

Decisions (documented for admins):
- Any CRS is reprojected to EPSG:4326. A file without CRS is taken as
  EPSG:4326 only when its coordinates lie in lon/lat range around
  Lubuklinggau; otherwise the import is refused.
- Each feature is mapped to a gazetteer code through ``code_field`` (accepts
  "16.73.01.1001", "1673011001" or a number) or ``name_field`` (the name
  matcher, restricted by ``kecamatan_field`` when given). Ambiguous or unknown
  values are reported, never guessed.
- Several features mapping to one code are unioned (a kelurahan in several
  parts) and listed in the report.
- Nothing is written when no feature maps. Missing kelurahan do not stop
  the import (the city's file may be partial) but are listed in the report;
  the CLI then exits with code 1 so the admin sees it.
- DEST is replaced atomically (see build.write_set); on any error DEST stays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .boundaries import CRS, default_geo_dir
from .build import PLAUSIBLE_BOUNDS, _fmt, build_levels, write_set
from .errors import ImportFailed
from .gazetteer import _kel_index, normalize_kelurahan_code
from .names import match_kelurahan


@dataclass
class Unmapped:
    """A feature of the source file that could not be given a kelurahan code."""

    index: int
    value: object
    reason: str


@dataclass
class ImportReport:
    """What an import did; ``lines()`` renders it in Indonesian for the CLI."""

    source: Path
    features: int = 0
    mapped: dict[str, list[int]] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    source_crs: str | None = None
    notes: list[str] = field(default_factory=list)
    dest: Path | None = None
    written: bool = False
    area_km2: float | None = None

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unmapped

    def lines(self) -> list[str]:
        gaz = _kel_index()
        out = [f"Berkas: {self.source} ({self.features} fitur, CRS asal {self.source_crs or 'tidak ada'})",
               f"Terpetakan: {len(self.mapped)} dari 72 kelurahan."]
        for u in self.unmapped:
            out.append(f"  Fitur #{u.index} ({u.value!r}) tidak terpetakan: {u.reason}")
        if self.merged:
            out.append("Digabung (lebih dari satu fitur): "
                       + ", ".join(f"{gaz[k]['nama']} ({k})" for k in self.merged))
        if self.missing:
            out.append(f"Kelurahan tidak ada dalam berkas ({len(self.missing)}): "
                       + ", ".join(f"{gaz[k]['nama']} ({k})" for k in self.missing))
        out.extend(self.notes)
        if self.written:
            out.append(f"Ditulis ke {self.dest}" + (f"; luas kota {_fmt(self.area_km2 or 0, 1)} km²." if
                                                   self.area_km2 else "."))
        return out


def _read(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path)
    except Exception as first:  # noqa: BLE001 - try the zip:// form, then report
        if path.suffix.lower() == ".zip":
            try:
                return gpd.read_file(f"zip://{path}")
            except Exception:  # noqa: BLE001
                pass
        raise ImportFailed(f"Berkas {path} tidak dapat dibaca sebagai data spasial: {first}") from first


def _to_wgs84(gdf: gpd.GeoDataFrame, report: ImportReport) -> gpd.GeoDataFrame:
    bx0, by0, bx1, by1 = PLAUSIBLE_BOUNDS
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ImportFailed("Berkas tidak menyebut CRS dan koordinatnya bukan lon/lat; "
                               "simpan ulang berkas dengan CRS (mis. EPSG:32748 atau EPSG:4326).", report)
        report.notes.append("Berkas tidak menyebut CRS; koordinat dianggap EPSG:4326 (lon/lat).")
        gdf = gdf.set_crs(CRS)
    else:
        report.source_crs = gdf.crs.to_string()
        gdf = gdf.to_crs(CRS)
    minx, miny, maxx, maxy = gdf.total_bounds
    if not (minx <= bx1 and maxx >= bx0 and miny <= by1 and maxy >= by0):
        raise ImportFailed("Setelah diproyeksikan ulang, fitur tidak berada di sekitar Lubuklinggau "
                           "(CRS berkas salah?). Tidak ada yang ditulis.", report)
    return gdf


def _field(gdf: gpd.GeoDataFrame, name: str | None, what: str) -> str | None:
    if name is None:
        return None
    if name in gdf.columns:
        return name
    lower = {c.lower(): c for c in gdf.columns}
    if name.lower() in lower:
        return lower[name.lower()]
    cols = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
    raise ImportFailed(f"Kolom {what} {name!r} tidak ada di berkas. Kolom yang tersedia: {cols}.")


def import_official(path: Path | str, dest: Path | str | None = None, code_field: str | None = None,
                    name_field: str | None = None, kecamatan_field: str | None = None) -> ImportReport:
    """Install the city's kelurahan boundary file into ``dest`` (default data/geo).

    Returns an ImportReport; raises ImportFailed (with ``.report``) when the
    file cannot be read, no feature maps, or the fields are wrong. On any
    error ``dest`` is left as it was.
    """
    path = Path(path)
    report = ImportReport(source=path)
    if (code_field is None) == (name_field is None):
        raise ImportFailed("Sebutkan tepat satu dari --code-field atau --name-field.", report)
    if not path.exists():
        raise ImportFailed(f"Berkas {path} tidak ada.", report)
    gdf = _read(path)
    report.features = int(len(gdf))
    cf = _field(gdf, code_field, "kode")
    nf = _field(gdf, name_field, "nama")
    kf = _field(gdf, kecamatan_field, "kecamatan")
    if gdf.empty:
        raise ImportFailed(f"Berkas {path} tidak berisi fitur.", report)
    gdf = _to_wgs84(gdf, report)
    codes: list[str | None] = []
    gaz = _kel_index()
    for i in range(len(gdf)):
        geom = gdf.geometry.iloc[i]
        value = gdf[cf].iloc[i] if cf else gdf[nf].iloc[i]
        code = None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            report.unmapped.append(Unmapped(i, value, "bukan poligon atau geometri kosong"))
        elif cf:
            code = normalize_kelurahan_code(value)
            if code is None or code not in gaz:
                report.unmapped.append(Unmapped(i, value, "kode tidak dikenal"))
                code = None
        else:
            kec = gdf[kf].iloc[i] if kf else None
            m = match_kelurahan(value, kecamatan=kec)
            if m.code is None and kf:
                m2 = match_kelurahan(value)  # the kecamatan column may itself be misspelt
                if m2.code is not None:
                    report.notes.append(f"Fitur #{i} ({value!r}): kecamatan {kec!r} tidak cocok; "
                                        f"dipetakan ke {gaz[m2.code]['nama']} ({m2.code}).")
                    m = m2
            code = m.code
            if code is None:
                why = "nama tidak jelas" if m.kind == "ambiguous" else "nama tidak dikenal"
                hint = f" (mungkin: {', '.join(m.candidates)})" if m.candidates else ""
                report.unmapped.append(Unmapped(i, value, why + hint))
        codes.append(code)
    gdf = gdf.assign(kode=pd.array(codes, dtype=object))
    ok = gdf[gdf["kode"].notna()]
    for code, idx in ok.groupby("kode").indices.items():
        report.mapped[str(code)] = [int(j) for j in np.asarray(ok.index[idx])]
    report.merged = sorted(k for k, v in report.mapped.items() if len(v) > 1)
    report.missing = sorted(set(gaz) - set(report.mapped))
    if not report.mapped:
        raise ImportFailed("Tidak ada satu pun fitur yang dapat dipetakan ke kelurahan; "
                           "tidak ada yang ditulis. Periksa pilihan --code-field/--name-field.", report)
    notes: list[str] = []
    levels = build_levels(gpd.GeoDataFrame(ok[["kode"]], geometry=ok.geometry.values, crs=CRS), notes)
    report.notes.extend(notes)
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"
    field_used = f"kolom kode {cf!r}" if cf else f"kolom nama {nf!r}" + (f" dan kecamatan {kf!r}" if kf else "")
    source = "\n".join([
        "Batas wilayah Kota Lubuklinggau (kelurahan, kecamatan, kota)",
        f"Sumber: berkas resmi {path.name} (sha256 {digest})",
        f"CRS asal: {report.source_crs or 'tidak ada (dianggap EPSG:4326)'}; dipetakan lewat {field_used}",
        f"Diimpor: {datetime.now(UTC):%Y-%m-%d %H:%M:%S UTC} oleh `python -m lubuklinggau_geo import`",
        *report.lines()[1:], "",
    ])
    target = Path(dest) if dest is not None else default_geo_dir()
    report.dest = write_set(levels, target, {"SOURCE.txt": source})
    report.written = True
    report.area_km2 = float(levels["kota"]["area_km2"].sum())
    return report
