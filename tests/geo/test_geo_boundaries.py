from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from lubuklinggau_geo import boundaries as b
from lubuklinggau_geo.errors import BoundariesUnavailable
from lubuklinggau_geo.locate import locate


def test_boundaries_from_env(shared_geo: Path) -> None:
    st = b.status()
    assert st.available and st.directory == shared_geo.resolve()
    kel = b.boundaries("kelurahan")
    assert len(kel) == 72 and str(kel.crs) == "EPSG:4326"
    assert list(kel.columns[:4]) == ["kode", "nama", "kecamatan", "kode_kecamatan"]
    assert kel["kode"].is_monotonic_increasing
    assert len(b.boundaries("kecamatan")) == 8 and len(b.boundaries("kota")) == 1
    assert {"kode", "nama"} <= set(b.boundaries("kecamatan").columns)
    with pytest.raises(ValueError):
        b.boundaries("provinsi")


def test_unavailable_state(no_boundaries: Path) -> None:
    assert b.geo_dir() is None
    st = b.status()
    assert not st.available and st.directory is None
    assert st.message == ("Batas wilayah belum terpasang: kelurahan digambar sebagai titik di pusatnya. "
                          "Jalankan `python -m lubuklinggau_geo fetch`.")
    with pytest.raises(BoundariesUnavailable, match="belum terpasang"):
        b.boundaries("kelurahan")
    pts = b.points_fallback()
    assert len(pts) == 72 and (pts.geom_type == "Point").all()
    assert list(pts.columns) == ["kode", "nama", "kecamatan", "kode_kecamatan", "geometry"]
    assert len(b.representative_points()) == 72
    assert locate(-3.29386, 102.88042) is None  # documented: no polygons, no answer
    assert b.default_geo_dir() == no_boundaries / "geo"


def test_data_dir_geo_is_used(no_boundaries: Path, shared_geo: Path) -> None:
    shutil.copytree(shared_geo, no_boundaries / "geo", ignore=shutil.ignore_patterns("upstream"))
    assert b.geo_dir() == no_boundaries / "geo"
    assert len(b.boundaries("kelurahan")) == 72


def test_empty_env_dir_falls_back(monkeypatch: pytest.MonkeyPatch, no_boundaries: Path) -> None:
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(no_boundaries / "leer"))
    st = b.status()
    assert not st.available and "LUBUKLINGGAU_GEO_DIR" in st.message


def test_project_root_is_cwd_independent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KONDUSIF_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert b.default_geo_dir() == Path(__file__).resolve().parents[2] / "data" / "geo"


def test_cache_follows_file_changes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_geo: Path) -> None:
    d = tmp_path / "geo"
    shutil.copytree(shared_geo, d, ignore=shutil.ignore_patterns("upstream"))
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(d))
    first = b.boundaries("kelurahan")
    first.loc[0, "nama"] = "diubah pemanggil"
    assert b.boundaries("kelurahan").loc[0, "nama"] == "Air Kuti"  # callers get copies
    kel = first.iloc[1:]
    kel.to_file(d / "kelurahan.geojson", driver="GeoJSON")
    os.utime(d / "kelurahan.geojson", ns=(time.time_ns(), time.time_ns() + 10**9))
    assert len(b.boundaries("kelurahan")) == 71


def test_representative_points_inside(shared_geo: Path) -> None:
    rp = b.representative_points()
    kel = b.boundaries("kelurahan").set_index("kode")
    assert len(rp) == 72
    assert all(kel.geometry[k].contains(p) for k, p in zip(rp["kode"], rp.geometry, strict=True))
    # the centroid of Taba Pingin lies outside its polygon; the representative point does not
    fb = b.points_fallback().set_index("kode")
    assert not kel.geometry["16.73.07.1008"].contains(fb.geometry["16.73.07.1008"])
