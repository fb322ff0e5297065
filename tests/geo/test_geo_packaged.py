"""The boundary extract shipped in the package: pinned, credited, built on first use,
equal to the project's shared copy, and refused when altered (issue 20).

Cross-check reference: ``../shared/geo`` (or $LUBUKLINGGAU_GEO_REFERENCE, which .ci/run
sets and which then must exist). In a fresh clone without it the packaged build is
compared with the frozen figures of that copy (tests/geo/reference/ and the constants
below), so the test checks the same things either way and never skips.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geo_helpers import REFERENCE_REQUIRED, REPO, SHARED_GEO, UPSTREAM_SQL, run_cli, shared_copy_present

from lubuklinggau_geo import boundaries as b
from lubuklinggau_geo import packaged
from lubuklinggau_geo.errors import BoundariesUnavailable

PINNED_SHA256 = "fbcfe45b3aa3d0ad3ca9c03950c26a145eb3e945e6f62a46e6321d4a14c3d7ed"
PINNED_COMMIT = "3c5a7960f4d227a38489094d84252bdbb3f978a5"
PINNED_PATH = "db/kel/16/wilayah_boundaries_kel_16.73.sql"
# figures of ../shared/geo (read off its files and SOURCE.md, 2026-12-01)
SHARED_KELURAHAN_SHA256 = "def58352714df1158ae341203bcdc79ce7493f25f48f536b5e5945b826a0146a"
SHARED_KECAMATAN_KM2 = {
    "16.73.01": 13.687, "16.73.02": 59.876, "16.73.03": 75.224, "16.73.04": 137.816,
    "16.73.05": 10.311, "16.73.06": 7.614, "16.73.07": 32.535, "16.73.08": 30.898,
}
SHARED_KOTA_KM2 = 367.953
FROZEN_GAZETTEER = REPO / "tests" / "geo" / "reference" / "shared_gazetteer.csv"
KM2_TOL = 0.01


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _areas_km2(path: Path) -> pd.Series:
    gdf = gpd.read_file(path)
    return pd.Series(gdf.to_crs("EPSG:32748").area.to_numpy() / 1e6, index=gdf["kode"].astype(str)).sort_index()


def test_packaged_file_is_the_pinned_upstream_with_licence_and_provenance() -> None:
    assert UPSTREAM_SQL == REPO / "lubuklinggau_geo" / "data" / "upstream" / "wilayah_boundaries_kel_16.73.sql"
    assert _sha(UPSTREAM_SQL) == PINNED_SHA256 and UPSTREAM_SQL.stat().st_size == 143_191
    assert f"filename  : {PINNED_PATH}" in UPSTREAM_SQL.read_text(encoding="utf-8")
    licence = (UPSTREAM_SQL.parent / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) 2024 Cahya DSN\n")
    assert "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND" in licence
    note = (UPSTREAM_SQL.parent / "SOURCE.md").read_text(encoding="utf-8")
    for needle in ("cahyadsn/wilayah_boundaries", PINNED_COMMIT, PINNED_PATH, PINNED_SHA256,
                   "[lon, lat]", "dissolve", "EPSG:32748"):
        assert needle in note, needle
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "cahyadsn/wilayah_boundaries" in readme and "Copyright (c) 2024 Cahya DSN" in readme


def test_packaged_build_equals_the_shared_copy(packaged_geo: Path) -> None:
    """Same 72 codes and names, areas within 0.01 km², kelurahan.geojson byte-identical."""
    assert shared_copy_present() or not REFERENCE_REQUIRED, f"reference copy missing at {SHARED_GEO}"
    kel = gpd.read_file(packaged_geo / "kelurahan.geojson").sort_values("kode").reset_index(drop=True)
    frozen = pd.read_csv(FROZEN_GAZETTEER, dtype={"kode": str})
    references = [("frozen", frozen, SHARED_KELURAHAN_SHA256, SHARED_KECAMATAN_KM2, SHARED_KOTA_KM2)]
    if shared_copy_present():
        shared = pd.read_csv(SHARED_GEO / "gazetteer.csv", dtype={"kode": str})
        kec = _areas_km2(SHARED_GEO / "kecamatan.geojson")
        references.append(("shared", shared, _sha(SHARED_GEO / "kelurahan.geojson"), kec.to_dict(),
                           float(_areas_km2(SHARED_GEO / "kota.geojson").iloc[0])))
        # the frozen figures used in a fresh clone are still those of the shared copy
        pd.testing.assert_frame_equal(frozen, shared)
        assert _sha(SHARED_GEO / "kelurahan.geojson") == SHARED_KELURAHAN_SHA256
        assert kec.to_dict() == pytest.approx(SHARED_KECAMATAN_KM2, abs=0.001)
    ours_kel = _areas_km2(packaged_geo / "kelurahan.geojson")
    ours_kec = _areas_km2(packaged_geo / "kecamatan.geojson")
    ours_kota = float(_areas_km2(packaged_geo / "kota.geojson").iloc[0])
    for label, gaz, kel_sha, kec_km2, kota_km2 in references:
        gaz = gaz.sort_values("kode").reset_index(drop=True)
        assert len(gaz) == 72, label
        assert list(kel["kode"]) == list(gaz["kode"]), label
        assert list(kel["nama"]) == list(gaz["nama"]), label
        diff = (ours_kel - gaz.set_index("kode")["area_km2"]).abs()
        assert diff.max() < KM2_TOL, (label, diff.idxmax(), diff.max())
        assert _sha(packaged_geo / "kelurahan.geojson") == kel_sha, label
        assert sorted(ours_kec.index) == sorted(kec_km2), label
        assert all(abs(ours_kec[k] - v) < KM2_TOL for k, v in kec_km2.items()), label
        assert abs(ours_kota - kota_km2) < KM2_TOL, label
    assert {"Air Kuti", "Taba Pingin", "Kali Serayu", "Cereme Taba"} <= set(kel["nama"])


def test_first_use_builds_into_the_data_dir_once(fresh_data: Path) -> None:
    st = b.status()
    built = fresh_data / "geo-bawaan"
    assert st.available and st.kind == "bawaan" and st.directory == built.resolve()
    assert st.label == "batas bawaan aplikasi (ekstrak cahyadsn/wilayah_boundaries di dalam paket)"
    assert st.message == ("Batas wilayah bawaan aplikasi (cahyadsn/wilayah_boundaries, sha256 sesuai), "
                          f"dibangun di {built.resolve()}.")
    assert sorted(p.name for p in built.iterdir()) == [
        "SOURCE.txt", "UPSTREAM_LICENSE.txt", "kecamatan.geojson", "kelurahan.geojson", "kota.geojson"]
    assert f"sha256: {PINNED_SHA256} (sesuai dengan yang dipatok)" in st.source
    assert f"commit {PINNED_COMMIT}" in st.source and "Copyright (c) 2024 Cahya DSN" in st.notice
    kel = b.boundaries("kelurahan")
    assert len(kel) == 72 and set(kel.geom_type) <= {"Polygon", "MultiPolygon"}
    stamp = (built / "kelurahan.geojson").stat().st_mtime_ns
    assert b.status().kind == "bawaan"
    assert (built / "kelurahan.geojson").stat().st_mtime_ns == stamp  # reused, not rebuilt
    # a build left half-made (a file lost) is rebuilt whole
    (built / "kota.geojson").unlink()
    assert b.status().kind == "bawaan" and (built / "kota.geojson").is_file()


def _tampered_copy(tmp_path: Path) -> Path:
    bad = tmp_path / "diubah" / packaged.PACKAGED_NAME
    bad.parent.mkdir()
    bad.write_bytes(UPSTREAM_SQL.read_bytes().replace(b"'Air Kuti'", b"'Air Kuti Baru'"))
    return bad


def test_tampered_packaged_file_is_refused(fresh_data: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _tampered_copy(tmp_path)
    digest = _sha(bad)
    monkeypatch.setattr(packaged, "packaged_sql", lambda: bad)
    st = b.status()
    assert not st.available and st.kind is None
    assert st.message == (
        "Batas wilayah belum terpasang dengan benar (instalasi rusak): "
        f"Berkas batas wilayah bawaan {bad} ditolak: sha256-nya {digest} tidak sama dengan yang dipatok "
        f"({PINNED_SHA256}); berkas itu rusak atau telah diubah. "
        "Pasang ulang aplikasi dari repositori, atau jalankan `python -m lubuklinggau_geo fetch` "
        "(butuh internet) atau `import` (berkas resmi Pemkot). Kelurahan digambar sebagai titik di pusatnya.")
    assert not (fresh_data / "geo-bawaan").exists()  # nothing was built from it
    with pytest.raises(BoundariesUnavailable, match="ditolak"):
        b.boundaries("kelurahan")
    assert (b.points_fallback().geom_type == "Point").all()


def test_file_altered_after_a_good_build_is_refused_too(fresh_data: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "paket" / packaged.PACKAGED_NAME
    good.parent.mkdir()
    shutil.copy(UPSTREAM_SQL, good)
    monkeypatch.setattr(packaged, "packaged_sql", lambda: good)
    assert b.status().kind == "bawaan"
    good.write_bytes(good.read_bytes() + b"\n-- diubah\n")
    os.utime(good, ns=(1, 1))  # a new modification time: checked again
    assert not b.status().available and "ditolak" in b.status().message


def test_tampered_package_refused_by_the_cli(tmp_path: Path) -> None:
    """End to end: a copy of the package whose extract was altered, run as `python -m`."""
    root = tmp_path / "salinan"
    shutil.copytree(REPO / "lubuklinggau_geo", root / "lubuklinggau_geo",
                    ignore=shutil.ignore_patterns("__pycache__"))
    sql = root / "lubuklinggau_geo" / "data" / "upstream" / packaged.PACKAGED_NAME
    sql.write_bytes(_tampered_copy(tmp_path).read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "LUBUKLINGGAU_GEO_DIR"}
    env["KONDUSIF_DATA_DIR"] = str(tmp_path / "cli-data")
    proc = subprocess.run([sys.executable, "-m", "lubuklinggau_geo", "check"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Sumber yang dipakai: tidak ada (kelurahan sebagai titik)" in proc.stdout
    assert f"Berkas batas wilayah bawaan {sql} ditolak: sha256-nya" in proc.stdout
    assert "berkas itu rusak atau telah diubah" in proc.stdout
    assert not (tmp_path / "cli-data" / "geo-bawaan").exists()


def test_check_cli_names_the_source_in_use(tmp_path: Path, fetched: tuple[Path, object],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUBUKLINGGAU_GEO_DIR", raising=False)  # run_cli passes os.environ on
    base: dict[str, str] = {}
    data = tmp_path / "cli-data"
    proc = run_cli("check", env={**base, "KONDUSIF_DATA_DIR": str(data)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(
        "Sumber yang dipakai: batas bawaan aplikasi (ekstrak cahyadsn/wilayah_boundaries di dalam paket)\n")
    assert f"Folder: {data / 'geo-bawaan'}" in proc.stdout
    assert "kelurahan: 72 fitur, kecamatan: 8 fitur, kota: 1 fitur; luas total 367,9 km²" in proc.stdout
    shutil.copytree(fetched[0], data / "geo")
    proc = run_cli("check", env={**base, "KONDUSIF_DATA_DIR": str(data)})
    assert proc.returncode == 0 and proc.stdout.startswith(
        "Sumber yang dipakai: data/geo (berkas resmi yang diimpor atau hasil unduhan)\n")
    proc = run_cli("check", env={**base, "KONDUSIF_DATA_DIR": str(data), "LUBUKLINGGAU_GEO_DIR": str(fetched[0])})
    assert proc.returncode == 0 and proc.stdout.startswith("Sumber yang dipakai: folder LUBUKLINGGAU_GEO_DIR\n")


def test_concurrent_first_uses_build_one_good_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LUBUKLINGGAU_GEO_DIR"}
    env["KONDUSIF_DATA_DIR"] = str(tmp_path / "cli-data")
    procs = [subprocess.Popen([sys.executable, "-m", "lubuklinggau_geo", "check"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert sorted(p.name for p in (tmp_path / "cli-data").iterdir()) == [".geo-bawaan.lock", "geo-bawaan"]
    assert packaged.is_built(tmp_path / "cli-data" / "geo-bawaan")
