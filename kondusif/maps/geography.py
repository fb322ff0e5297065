"""The geography of the map, which does not change between renders: serialised once, cached.

Kelurahan polygons and kecamatan outlines (coordinates rounded to ~1 m), kecamatan label
positions, one point inside each kelurahan (where a report without coordinates is drawn),
and the bounds. Without installed boundaries kelurahan are points at their gazetteer centres.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kondusif.maps.assets import js_json
from lubuklinggau_geo import boundaries as geo_boundaries
from lubuklinggau_geo import gazetteer


@dataclass(frozen=True)
class StaticLayers:
    """Geography that does not change between renders, serialised once."""

    polygons: bool  # False: kelurahan drawn as points at their centroids
    kelurahan_json: str  # FeatureCollection; properties: k (kode)
    kecamatan_json: str | None  # outlines, None without boundaries
    labels: tuple[tuple[float, float, str], ...]  # kecamatan name positions
    bounds: tuple[tuple[float, float], tuple[float, float]]  # (south, west), (north, east)
    points: dict[str, tuple[float, float]]  # kode -> (lat, lon) inside the kelurahan
    message: str  # what the map says about its geography
    extents: dict[str, tuple[float, float, float, float]] | None = None  # kode -> (south, west, north, east)

    def bounds_of(self, codes: Iterable[str]) -> tuple[tuple[float, float], tuple[float, float]]:
        """Bounds around some kelurahan (the whole city when none is known)."""
        boxes = [self.extents[c] for c in codes if self.extents and c in self.extents]
        if not boxes:
            return self.bounds
        pad = 0.004
        return ((min(b[0] for b in boxes) - pad, min(b[1] for b in boxes) - pad),
                (max(b[2] for b in boxes) + pad, max(b[3] for b in boxes) + pad))


def _round_coords(obj, ndigits: int = 5):
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, list | tuple):
        return [_round_coords(x, ndigits) for x in obj]
    return obj


def _feature_collection(gdf, key: str = "kode") -> dict:
    features = []
    for kode, geom in zip(gdf[key], gdf.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        g = geom.__geo_interface__
        features.append({
            "type": "Feature",
            "properties": {"k": str(kode)},
            "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"])},
        })
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=4)
def _static_layers_for(cache_key: tuple[str, int] | None) -> StaticLayers:
    gaz = gazetteer.kelurahan()
    if cache_key is not None:
        kel = geo_boundaries.boundaries("kelurahan")
        kec = geo_boundaries.boundaries("kecamatan")
        reps = geo_boundaries.representative_points()
        points = {str(k): (round(p.y, 6), round(p.x, 6)) for k, p in zip(reps["kode"], reps.geometry, strict=True)}
        kec_reps = kec.copy()
        kec_reps["geometry"] = kec.geometry.representative_point()
        labels = tuple(
            (round(p.y, 5), round(p.x, 5), _kecamatan_label(str(k), str(n)))
            for k, n, p in zip(kec_reps["kode"], kec_reps["nama"], kec_reps.geometry, strict=True)
        )
        minx, miny, maxx, maxy = kel.total_bounds
        extents = {
            str(k): (float(b[1]), float(b[0]), float(b[3]), float(b[2]))
            for k, b in zip(kel["kode"], kel.geometry.bounds.to_numpy(), strict=True)
        }
        return StaticLayers(
            polygons=True,
            kelurahan_json=js_json(_feature_collection(kel)),
            kecamatan_json=js_json(_feature_collection(kec)),
            labels=labels,
            bounds=((float(miny), float(minx)), (float(maxy), float(maxx))),
            points=points,
            message=geo_boundaries.status().message,
            extents=extents,
        )
    points = {str(r.kode): (float(r.lat), float(r.lon)) for r in gaz.itertuples()}
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"k": k}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
            for k, (lat, lon) in points.items()
        ],
    }
    centers = gaz.groupby("kode_kecamatan")[["lat", "lon"]].mean()
    labels = tuple(
        (round(float(r.lat), 5), round(float(r.lon), 5), _kecamatan_label(str(k), None))
        for k, r in centers.iterrows()
    )
    pad = 0.01
    return StaticLayers(
        polygons=False,
        kelurahan_json=js_json(fc),
        kecamatan_json=None,
        labels=labels,
        bounds=((gaz["lat"].min() - pad, gaz["lon"].min() - pad), (gaz["lat"].max() + pad, gaz["lon"].max() + pad)),
        points=points,
        message=geo_boundaries.status().message,
        extents={k: (lat, lon, lat, lon) for k, (lat, lon) in points.items()},
    )


def _kecamatan_label(kode: str, fallback: str | None) -> str:
    try:
        return gazetteer.kecamatan_name(kode)
    except KeyError:
        return fallback or kode


def static_layers() -> StaticLayers:
    """The cached geography (rebuilt only when the installed boundary file changes)."""
    return _static_layers_for(geo_boundaries.cache_key())


def kelurahan_names() -> dict[str, tuple[str, str]]:
    """kode -> (nama, kecamatan) of every kelurahan in the gazetteer."""
    gaz = gazetteer.kelurahan()
    return {str(r.kode): (str(r.nama), str(r.kecamatan)) for r in gaz.itertuples()}
