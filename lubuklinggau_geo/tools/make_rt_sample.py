"""Generate the SAMPLE RT registry ``lubuklinggau_geo/data/rt_contoh.csv``.

No public per-kelurahan RT list exists, so this makes an honest stand-in:
522 RT over the 72 kelurahan, at least 3 each, the rest shared out in
proportion to sqrt(area) (a proxy: no per-kelurahan population is public),
numbered 1..n, heads named "Ketua RT 03 (contoh)", no phone numbers, every
row ``contoh`` = true. Points are spread inside each kelurahan polygon
(best-candidate sampling with a fixed seed), at least 10 m from its edge and
outside any overlap with a neighbour, so ``locate()`` agrees with the row.

Run: ``python -m lubuklinggau_geo.tools.make_rt_sample [--geo-dir DIR] [--out FILE]``
(the output is deterministic for the same polygons).
"""

from __future__ import annotations

import argparse
import csv
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from ..boundaries import CRS, FILES, METRIC_CRS, geo_dir
from ..gazetteer import kelurahan

TOTAL_RT = 522
MIN_RT = 3
EDGE_M = 10.0
CANDIDATES = 12
OUT = Path(__file__).resolve().parent.parent / "data" / "rt_contoh.csv"


def allocate(areas: np.ndarray, total: int = TOTAL_RT, minimum: int = MIN_RT) -> np.ndarray:
    """RT counts per kelurahan: ``minimum`` each, the rest by sqrt(area), largest remainder."""
    n = len(areas)
    weights = np.sqrt(np.asarray(areas, dtype=float))
    extra = total - minimum * n
    share = weights / weights.sum() * extra
    counts = np.floor(share).astype(int)
    left = extra - counts.sum()
    order = np.lexsort((np.arange(n), -(share - counts)))  # largest remainder, ties by position
    counts[order[:left]] += 1
    return counts + minimum


def _spread(area: shapely.Geometry, k: int, seed: int, check) -> list[tuple[float, float]]:
    """k points in ``area`` (metric CRS), each the best of CANDIDATES random tries."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    chosen: list[tuple[float, float]] = []
    while len(chosen) < k:
        cands: list[tuple[float, float]] = []
        while len(cands) < CANDIDATES:
            xs = rng.uniform(minx, maxx, 64)
            ys = rng.uniform(miny, maxy, 64)
            ok = shapely.contains_xy(area, xs, ys)
            cands.extend((x, y) for x, y in zip(xs[ok], ys[ok], strict=True) if check(x, y))
        cands = cands[:CANDIDATES]
        if not chosen:
            chosen.append(cands[0])
            continue
        pts = np.array(chosen)
        dists = [np.min(np.hypot(pts[:, 0] - x, pts[:, 1] - y)) for x, y in cands]
        chosen.append(cands[int(np.argmax(dists))])
    return chosen


def make_sample(geo: Path) -> list[dict[str, object]]:
    """Rows of the sample registry built from ``geo``/kelurahan.geojson."""
    kel = gpd.read_file(geo / FILES["kelurahan"]).set_crs(CRS, allow_override=True)
    kel = kel.sort_values("kode").reset_index(drop=True)
    gaz = kelurahan().set_index("kode")
    if set(kel.kode) != set(gaz.index):
        raise SystemExit("kelurahan.geojson tidak memuat tepat 72 kelurahan resmi.")
    metric = kel.to_crs(METRIC_CRS)
    counts = allocate(gaz.loc[kel.kode, "area_km2"].to_numpy())
    to_wgs = Transformer.from_crs(METRIC_CRS, CRS, always_xy=True)
    rows: list[dict[str, object]] = []
    for i, kode in enumerate(kel.kode):
        own = metric.geometry[i]
        others = shapely.union_all(np.delete(metric.geometry.values, i))
        area = own.buffer(-EDGE_M).difference(others.buffer(EDGE_M))
        if area.is_empty:
            area = own.buffer(-1.0).difference(others)
        ll_own, ll_others = kel.geometry[i], shapely.union_all(np.delete(kel.geometry.values, i))
        shapely.prepare(ll_own)
        shapely.prepare(ll_others)

        def rounded_ok(x: float, y: float, ll_own=ll_own, ll_others=ll_others) -> bool:
            lon, lat = to_wgs.transform(x, y)
            q = shapely.Point(round(lon, 6), round(lat, 6))
            return ll_own.contains_properly(q) and not ll_others.intersects(q)

        pts = _spread(area, int(counts[i]), zlib.crc32(kode.encode()), rounded_ok)
        ll = gpd.GeoSeries(gpd.points_from_xy(*zip(*pts, strict=True)), crs=METRIC_CRS).to_crs(CRS)
        for rt, p in enumerate(ll, start=1):
            rows.append({"kode_kelurahan": kode, "rt": rt, "nama_ketua": f"Ketua RT {rt:02d} (contoh)",
                         "telepon": "", "lat": f"{p.y:.6f}", "lon": f"{p.x:.6f}", "contoh": "true"})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Buat ulang daftar RT CONTOH (rt_contoh.csv).")
    ap.add_argument("--geo-dir", type=Path, default=None, help="folder batas wilayah (default: yang terpasang)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    geo = args.geo_dir or geo_dir()
    if geo is None:
        print("Batas wilayah belum terpasang; sebutkan --geo-dir.")
        return 1
    rows = make_sample(Path(geo))
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} RT contoh ditulis ke {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
