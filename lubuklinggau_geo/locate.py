"""Which kelurahan contains a point.

Vectorised through a shapely STRtree built once per installed kelurahan file
(a million points take seconds). Points on a boundary count as inside.

Overlaps: upstream simplified each kelurahan separately, so neighbours
overlap on 0.02 % of the city. A point in an overlap goes to the kelurahan
with the smallest area (ties: lowest code) - deterministic, and it favours
the dense urban kelurahan where small slivers matter most.

Without boundaries installed every point gives None (there is no honest way
to tell kelurahan apart from centroids alone); callers learn why from
``boundaries.status()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely

from .boundaries import boundaries, cache_key
from .build import area_km2


@dataclass(frozen=True)
class _Index:
    tree: shapely.STRtree
    codes: np.ndarray  # object array, tree order = priority order
    bounds: tuple[float, float, float, float]


@lru_cache(maxsize=4)
def _build_index(path: str, mtime_ns: int) -> _Index:
    kel = boundaries("kelurahan")
    areas = area_km2(kel.geometry)
    order = np.lexsort((kel["kode"].to_numpy(dtype=str), areas))
    geoms = kel.geometry.values[order]
    shapely.prepare(geoms)
    codes = kel["kode"].to_numpy(dtype=object)[order]
    return _Index(shapely.STRtree(geoms), codes, tuple(shapely.total_bounds(geoms)))


def _index() -> _Index | None:
    key = cache_key()
    return None if key is None else _build_index(*key)


def locate_many(lats: object, lons: object) -> np.ndarray:
    """Kelurahan codes for arrays of lat/lon (object array, None outside or unknown).

    NaN or missing coordinates give None; all points give None when no
    boundaries are installed (see boundaries.status()).
    """
    lat = np.asarray(lats, dtype=float).ravel()
    lon = np.asarray(lons, dtype=float).ravel()
    if lat.shape != lon.shape:
        raise ValueError("lats dan lons harus sama panjang.")
    out = np.full(lat.shape, None, dtype=object)
    idx = _index()
    if idx is None or lat.size == 0:
        return out
    minx, miny, maxx, maxy = idx.bounds
    inside = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)  # NaN compares False
    cand = np.flatnonzero(inside)
    if cand.size == 0:
        return out
    points = shapely.points(lon[cand], lat[cand])
    pt_i, tree_i = idx.tree.query(points, predicate="intersects")
    if pt_i.size:
        # lowest tree index = smallest area wins where polygons overlap
        order = np.lexsort((tree_i, pt_i))
        pt_i, tree_i = pt_i[order], tree_i[order]
        first = np.ones(pt_i.size, dtype=bool)
        first[1:] = pt_i[1:] != pt_i[:-1]
        out[cand[pt_i[first]]] = idx.codes[tree_i[first]]
    return out


def locate(lat: float, lon: float) -> str | None:
    """Kelurahan code containing (lat, lon), or None outside the city."""
    try:
        return locate_many([lat], [lon])[0]
    except (TypeError, ValueError):
        return None
