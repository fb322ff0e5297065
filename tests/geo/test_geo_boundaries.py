from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from lubuklinggau_geo import boundaries as b
from lubuklinggau_geo.errors import BoundariesUnavailable
from lubuklinggau_geo.locate import locate


def test_boundaries_default_source(geo_dir: Path, packaged_geo: Path) -> None:
    st = b.status()
    assert st.available and st.directory == geo_dir.resolve()
    assert st.kind == ("bawaan" if geo_dir == packaged_geo else "env")  # env: LUBUKLINGGAU_GEO_DIR given
    kel = b.boundaries("kelurahan")
    assert len(kel) == 72 and str(kel.crs) == "EPSG:4326"
    assert set(kel.geom_type) <= {"Polygon", "MultiPolygon"}
    assert list(kel.columns[:4]) == ["kode", "nama", "kecamatan", "kode_kecamatan"]
    assert kel["kode"].is_monotonic_increasing
    assert len(b.boundaries("kecamatan")) == 8 and len(b.boundaries("kota")) == 1
    assert {"kode", "nama"} <= set(b.boundaries("kecamatan").columns)
    with pytest.raises(ValueError):
        b.boundaries("provinsi")


def test_broken_installation_draws_points_and_says_so(broken_install: Path) -> None:
    assert b.geo_dir() is None
    st = b.status()
    assert not st.available and st.directory is None and st.kind is None
    assert st.message.startswith("Batas wilayah belum terpasang dengan benar (instalasi rusak): "
                                 "Berkas batas wilayah bawaan ")
    assert "wilayah_boundaries_kel_16.73.sql tidak ada" in st.message
    assert "instalasi aplikasi tidak lengkap" in st.message
    assert "Pasang ulang aplikasi" in st.message
    assert st.message.endswith("Kelurahan digambar sebagai titik di pusatnya.")
    with pytest.raises(BoundariesUnavailable, match="instalasi rusak"):
        b.boundaries("kelurahan")
    pts = b.points_fallback()
    assert len(pts) == 72 and (pts.geom_type == "Point").all()
    assert list(pts.columns) == ["kode", "nama", "kecamatan", "kode_kecamatan", "geometry"]
    assert len(b.representative_points()) == 72
    assert locate(-3.29386, 102.88042) is None  # documented: no polygons, no answer
    assert b.default_geo_dir() == broken_install / "geo"
    assert not (broken_install / "geo-bawaan").exists()


def test_data_dir_geo_comes_before_packaged(fresh_data: Path, geo_dir: Path) -> None:
    shutil.copytree(geo_dir, fresh_data / "geo")
    assert b.geo_dir() == fresh_data / "geo"
    assert b.status().kind == "data"
    assert len(b.boundaries("kelurahan")) == 72
    assert not (fresh_data / "geo-bawaan").exists()  # the packaged extract was not even built


def test_env_dir_comes_first(monkeypatch: pytest.MonkeyPatch, fresh_data: Path, geo_dir: Path,
                             tmp_path: Path) -> None:
    shutil.copytree(geo_dir, fresh_data / "geo")
    shutil.copytree(geo_dir, tmp_path / "pilihan")
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(tmp_path / "pilihan"))
    st = b.status()
    assert st.available and st.kind == "env" and st.directory == (tmp_path / "pilihan").resolve()
    assert st.message == f"Batas wilayah dari folder {(tmp_path / 'pilihan').resolve()} (LUBUKLINGGAU_GEO_DIR)."


def test_env_dir_without_files_is_a_reported_misconfiguration(monkeypatch: pytest.MonkeyPatch,
                                                               fresh_data: Path) -> None:
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(fresh_data / "leer"))
    st = b.status()
    assert not st.available
    assert st.message == (
        f"Batas wilayah belum terpasang dengan benar (instalasi rusak): folder {fresh_data / 'leer'} "
        "(LUBUKLINGGAU_GEO_DIR) tidak berisi kelurahan.geojson, kecamatan.geojson dan kota.geojson. "
        "Perbaiki LUBUKLINGGAU_GEO_DIR atau kosongkan agar batas bawaan dipakai. "
        "Kelurahan digambar sebagai titik di pusatnya.")
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", "  ")  # blank counts as unset
    assert b.status().kind == "bawaan"


def test_project_root_is_cwd_independent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KONDUSIF_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert b.default_geo_dir() == Path(__file__).resolve().parents[2] / "data" / "geo"


def test_cache_follows_file_changes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, geo_dir: Path) -> None:
    d = tmp_path / "geo"
    shutil.copytree(geo_dir, d)
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(d))
    first = b.boundaries("kelurahan")
    first.loc[0, "nama"] = "diubah pemanggil"
    assert b.boundaries("kelurahan").loc[0, "nama"] == "Air Kuti"  # callers get copies
    kel = first.iloc[1:]
    kel.to_file(d / "kelurahan.geojson", driver="GeoJSON")
    os.utime(d / "kelurahan.geojson", ns=(time.time_ns(), time.time_ns() + 10**9))
    assert len(b.boundaries("kelurahan")) == 71


def test_representative_points_inside(geo_dir: Path) -> None:
    rp = b.representative_points()
    kel = b.boundaries("kelurahan").set_index("kode")
    assert len(rp) == 72
    assert all(kel.geometry[k].contains(p) for k, p in zip(rp["kode"], rp.geometry, strict=True))
    # the centroid of Taba Pingin lies outside its polygon; the representative point does not
    fb = b.points_fallback().set_index("kode")
    assert not kel.geometry["16.73.07.1008"].contains(fb.geometry["16.73.07.1008"])
