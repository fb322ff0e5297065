from __future__ import annotations

import numpy as np
import pytest

from lubuklinggau_geo import boundaries as b
from lubuklinggau_geo.locate import locate, locate_many

MUSI_RAWAS = [(-3.10, 102.75), (-3.45, 102.95), (-3.25, 102.70), (-3.30, 103.05)]


def test_representative_point_of_each_polygon() -> None:
    kel = b.boundaries("kelurahan")
    for kode, geom in zip(kel["kode"], kel.geometry, strict=True):
        p = geom.representative_point()
        assert locate(p.y, p.x) == kode


@pytest.mark.parametrize("lat,lon", MUSI_RAWAS)
def test_points_in_musi_rawas_are_outside(lat: float, lon: float) -> None:
    from shapely import Point
    assert not b.boundaries("kota").geometry.iloc[0].contains(Point(lon, lat))
    assert locate(lat, lon) is None


def test_bad_input_gives_none() -> None:
    assert locate(float("nan"), 102.9) is None
    assert locate(None, None) is None  # type: ignore[arg-type]
    assert locate_many([], []).shape == (0,)
    with pytest.raises(ValueError):
        locate_many([1.0, 2.0], [1.0])


def test_locate_many_matches_locate() -> None:
    x0, y0, x1, y1 = b.boundaries("kota").total_bounds
    rng = np.random.default_rng(7)
    lat = rng.uniform(y0 - 0.02, y1 + 0.02, 1500)
    lon = rng.uniform(x0 - 0.02, x1 + 0.02, 1500)
    many = locate_many(lat, lon)
    assert many.dtype == object
    assert [locate(a, o) for a, o in zip(lat, lon, strict=True)] == list(many)
    assert 0.3 < np.mean([m is not None for m in many]) < 0.9


def test_overlaps_resolve_to_smallest_area() -> None:
    kel = b.boundaries("kelurahan").to_crs("EPSG:32748")
    overlaps = []
    for i in range(len(kel)):
        for j in range(i + 1, len(kel)):
            inter = kel.geometry.iloc[i].intersection(kel.geometry.iloc[j])
            if inter.area > 500:
                overlaps.append((i, j, inter))
    assert overlaps, "the shared data has overlaps between neighbours"
    i, j, inter = overlaps[0]
    p = b.gpd.GeoSeries([inter.representative_point()], crs="EPSG:32748").to_crs("EPSG:4326").iloc[0]
    smaller = i if kel.geometry.iloc[i].area < kel.geometry.iloc[j].area else j
    assert locate(p.y, p.x) == kel["kode"].iloc[smaller]
