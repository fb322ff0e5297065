"""Static map of kelurahan levels for the PDF: matplotlib (Agg), no tiles, no network.

Kelurahan are filled with their level's colour, kecamatan drawn as thicker
outlines, Rawan kelurahan labelled. When more Rawan kelurahan exist than fit
as names, they are numbered on the map and the PDF lists the numbers as a key.
Geometry is converted to matplotlib paths once per installed boundary file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

import matplotlib.patheffects as pe  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from kondusif.status import Level  # noqa: E402
from lubuklinggau_geo import boundaries as geo_boundaries  # noqa: E402

NAMES_MAX = 10  # more Rawan kelurahan than this: numbers on the map, names in the key
NO_DATA_COLOR = "#d9d9d9"
SMALL_KM2 = 0.35  # kelurahan smaller than this form the dense centre shown enlarged
PNG_METADATA = {"Software": None}  # no version string: the same map gives the same bytes


@dataclass(frozen=True)
class MapGeometry:
    codes: tuple[str, ...]
    names: tuple[str, ...]
    kel_paths: tuple[Path, ...]
    kec_paths: tuple[Path, ...]
    label_xy: np.ndarray  # (72, 2) points inside each kelurahan
    bounds: tuple[float, float, float, float]
    inset: tuple[float, float, float, float] | None  # the dense city centre, drawn enlarged


@dataclass(frozen=True)
class MapImage:
    png: bytes
    size_mm: tuple[float, float]
    inset_png: bytes | None  # the city centre enlarged (None when no dense centre)
    inset_size_mm: tuple[float, float] | None
    key: tuple[tuple[int, str], ...]  # (number, kelurahan name) when numbered; empty with names
    numbered: bool


def _polygon_path(geom) -> Path:
    parts = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    paths = []
    for poly in parts:
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            codes[0] = Path.MOVETO
            codes[-1] = Path.CLOSEPOLY
            paths.append(Path(xy, codes))
    return Path.make_compound_path(*paths)


def _dense_centre(kel, small_km2: float = SMALL_KM2, radius_km: float = 3.0):
    """Bounds of the cluster of small kelurahan around their median, padded; None if few."""
    area = kel.to_crs(geo_boundaries.METRIC_CRS).area.to_numpy() / 1e6
    small = kel[area < small_km2]
    if len(small) < 4:
        return None
    centre = shapely.centroid(small.geometry.to_numpy())  # planar centroid: fine for a bbox this small
    x, y = shapely.get_x(centre), shapely.get_y(centre)
    cx, cy = np.median(x), np.median(y)
    deg = radius_km / 111.32
    near = small[(np.abs(x - cx) < deg) & (np.abs(y - cy) < deg)]
    minx, miny, maxx, maxy = near.total_bounds
    padx, pady = (maxx - minx) * 0.08, (maxy - miny) * 0.08
    return (float(minx - padx), float(miny - pady), float(maxx + padx), float(maxy + pady))


@lru_cache(maxsize=4)
def _geometry_for(cache_key: tuple[str, int]) -> MapGeometry:
    kel = geo_boundaries.boundaries("kelurahan")
    kec = geo_boundaries.boundaries("kecamatan")
    pts = geo_boundaries.representative_points().set_index("kode").reindex(kel["kode"])
    minx, miny, maxx, maxy = kel.total_bounds
    return MapGeometry(
        codes=tuple(kel["kode"]),
        names=tuple(kel["nama"]),
        kel_paths=tuple(_polygon_path(g) for g in kel.geometry),
        kec_paths=tuple(_polygon_path(g) for g in kec.geometry),
        label_xy=np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()]),
        bounds=(float(minx), float(miny), float(maxx), float(maxy)),
        inset=_dense_centre(kel),
    )


def map_geometry() -> MapGeometry | None:
    """The installed boundaries as drawing paths, or None when none are installed."""
    key = geo_boundaries.cache_key()
    if key is None or not geo_boundaries.status().available:
        return None
    return _geometry_for(key)


def _aspect(bounds: tuple[float, float, float, float]) -> float:
    return 1.0 / np.cos(np.radians((bounds[1] + bounds[3]) / 2))


def _scale_bar(ax, bounds: tuple[float, float, float, float], km: float) -> None:
    minx, miny, maxx, maxy = bounds
    deg = km / (111.32 * np.cos(np.radians((miny + maxy) / 2)))
    x0, y0 = minx + (maxx - minx) * 0.04, miny + (maxy - miny) * 0.03
    ax.plot([x0, x0 + deg], [y0, y0], color="#222", lw=2.2, solid_capstyle="butt")
    ax.text(x0 + deg / 2, y0 + (maxy - miny) * 0.012, f"{km:g} km", ha="center", va="bottom",
            fontsize=7, color="#222")


def _draw_base(ax, geo: MapGeometry, colors: list[str], bounds, kel_lw: float, kec_lw: float) -> None:
    ax.add_collection(PathCollection(list(geo.kel_paths), facecolors=colors, edgecolors="#ffffff",
                                     linewidths=kel_lw))
    ax.add_collection(PathCollection(list(geo.kec_paths), facecolors="none", edgecolors="#202020",
                                     linewidths=kec_lw))
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect(_aspect(bounds))
    ax.set_axis_off()


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=PNG_METADATA)
    return buf.getvalue()


def _inside(xy: np.ndarray, box: tuple[float, float, float, float] | None) -> bool:
    return box is not None and box[0] <= xy[0] <= box[2] and box[1] <= xy[1] <= box[3]


def render_level_map(
    levels: Mapping[str, Level | str],
    width_mm: float = 180.0,
    inset_width_mm: float = 100.0,
    dpi: int = 200,
) -> MapImage | None:
    """PNGs of kelurahan levels (kode -> Level); None when boundaries are not installed.

    The main map shows the whole city; Rawan kelurahan inside the dense centre
    are labelled on the enlarged inset instead, which the main map outlines.
    """
    geo = map_geometry()
    if geo is None:
        return None
    lv = [Level(levels[k]) if k in levels else None for k in geo.codes]
    colors = [v.color if v is not None else NO_DATA_COLOR for v in lv]
    minx, miny, maxx, maxy = geo.bounds
    padx, pady = (maxx - minx) * 0.02, (maxy - miny) * 0.02
    bounds = (minx - padx, miny - pady, maxx + padx, maxy + pady)
    height_mm = width_mm * (bounds[3] - bounds[1]) * _aspect(bounds) / (bounds[2] - bounds[0])

    rawan = [i for i, v in enumerate(lv) if v == Level.RAWAN]
    rawan.sort(key=lambda i: (-round(geo.label_xy[i, 1], 3), geo.label_xy[i, 0]))  # north to south
    numbered = len(rawan) > NAMES_MAX
    key = tuple((n, geo.names[i]) for n, i in enumerate(rawan, start=1)) if numbered else ()
    halo = [pe.withStroke(linewidth=2.2, foreground="white")]

    def label(ax, n: int, i: int, size: float) -> None:
        x, y = geo.label_xy[i]
        ax.text(x, y, str(n) if numbered else geo.names[i], ha="center", va="center",
                fontsize=size, fontweight="bold", color="#5a0000", path_effects=halo, zorder=5)

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    _draw_base(ax, geo, colors, bounds, 0.5, 1.3)
    for n, i in enumerate(rawan, start=1):
        if not _inside(geo.label_xy[i], geo.inset):
            label(ax, n, i, 6.5 if numbered else 6.8)
    if geo.inset is not None:
        ix0, iy0, ix1, iy1 = geo.inset
        ax.add_patch(Rectangle((ix0, iy0), ix1 - ix0, iy1 - iy0, fill=False, edgecolor="#1f4e9c",
                               lw=1.4, ls="--", zorder=6))
        ax.text(ix1, iy1, " A", color="#1f4e9c", fontsize=8, fontweight="bold", ha="left", va="bottom",
                path_effects=halo, zorder=6)
    tally = {level: sum(1 for v in lv if v == level) for level in Level}
    handles = [
        Patch(facecolor=level.color, edgecolor="#666", label=f"{level.label} ({tally[level]})")
        for level in (Level.RAWAN, Level.WASPADA, Level.KONDUSIF)
    ]
    handles.append(Line2D([0], [0], color="#202020", lw=1.3, label="Batas kecamatan"))
    if geo.inset is not None:
        handles.append(Line2D([0], [0], color="#1f4e9c", lw=1.4, ls="--", label="Pusat kota (peta A)"))
    ax.legend(handles=handles, loc="upper left", fontsize=7.5, frameon=True, framealpha=0.92,
              title="Tingkat kelurahan", title_fontsize=8)
    _scale_bar(ax, bounds, 2.0)
    main_png = _png(fig, dpi)

    inset_png, inset_size = None, None
    if geo.inset is not None:
        ib = geo.inset
        inset_h = inset_width_mm * (ib[3] - ib[1]) * _aspect(ib) / (ib[2] - ib[0])
        fig = Figure(figsize=(inset_width_mm / 25.4, inset_h / 25.4), dpi=dpi)
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        _draw_base(ax, geo, colors, ib, 1.0, 2.0)
        for n, i in enumerate(rawan, start=1):
            if _inside(geo.label_xy[i], ib):
                label(ax, n, i, 7.5)
        ax.add_patch(Rectangle((ib[0], ib[1]), ib[2] - ib[0], ib[3] - ib[1], fill=False,
                               edgecolor="#1f4e9c", lw=2.0, ls="--", zorder=6))
        _scale_bar(ax, ib, 0.5)
        inset_png, inset_size = _png(fig, dpi), (inset_width_mm, inset_h)
    return MapImage(png=main_png, size_mm=(width_mm, height_mm), inset_png=inset_png,
                    inset_size_mm=inset_size, key=key, numbered=numbered)
